package io.signstream.stream.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.schemas.ErrorCode;
import io.signstream.schemas.ExplainTask;
import io.signstream.schemas.Explanation;
import io.signstream.schemas.Layout;
import io.signstream.schemas.RelevanceSummary;
import io.signstream.schemas.Tensor;
import io.signstream.schemas.TensorCodec;
import io.signstream.stream.TestEvents;
import io.signstream.stream.metrics.PipelineMetrics;
import io.signstream.stream.registry.ModelRegistry;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class BatchingTest {

  private static final TopicPartition P0 = new TopicPartition("t.tasks.pytorch", 0);
  private static final TopicPartition P1 = new TopicPartition("t.tasks.pytorch", 1);

  private static PendingTask task(TopicPartition p, long offset, String method, Integer target, int samples, float fill) {
    float[] data = new float[256 * samples];
    java.util.Arrays.fill(data, fill);
    Tensor input = TensorCodec.fromFloats(data, new long[] {samples, 1, 16, 16}, Layout.NCHW);
    ExplainTask t = ExplainTask.newBuilder().setEventId("e" + offset).setModelId("digits_cnn").setModelVersion("1")
        .setMethod(method).setParams(new HashMap<>()).setEngine("pytorch").setTarget(target).setInput(input)
        .setEventTime(Instant.EPOCH).setRoutedAt(Instant.now().minusMillis(5)).setMetadata(new HashMap<>())
        .setSourceTopic("t.requests").setSourcePartition(0).setSourceOffset(100 + offset).build();
    return new PendingTask(p, offset, "digits_cnn".getBytes(), io.signstream.schemas.AvroSerde.explainTask().encode(t),
        t, null);
  }

  @Test
  void groupsByModelMethodAndTargetModeAndChunksByMaxBatch() {
    TaskBatcher b = new TaskBatcher(4, 1000);
    b.add(task(P0, 0, "gradient", null, 1, 1), 0);
    b.add(task(P0, 1, "input_t_gradient", null, 1, 1), 0);
    b.add(task(P1, 0, "gradient", 3, 1, 1), 0);
    b.add(task(P0, 2, "gradient", null, 2, 1), 0);
    assertFalse(b.due(10));
    b.add(task(P1, 1, "gradient", null, 2, 1), 0); // gradient/untargeted now holds 5 samples: a group is full
    b.add(new PendingTask(P1, 2, null, new byte[] {9}, null, "junk"), 0);
    assertTrue(b.due(10));
    TaskBatcher.Drained d = b.drain();
    assertEquals(6, d.count());
    List<List<Long>> chunks = d.chunks().stream()
        .map(c -> c.stream().map(t -> t.partition().partition() * 100L + t.offset()).toList()).toList();
    assertEquals(List.of(List.of(0L, 2L), List.of(101L), List.of(1L), List.of(100L)), chunks);
    assertEquals(1, d.undecodable().size());
    assertEquals(Map.of(P0, 3L, P1, 3L), Map.of(P0, d.offsets().get(P0).offset(), P1, d.offsets().get(P1).offset()));
    assertEquals(0, b.size());
    assertFalse(b.due(10_000));
  }

  @Test
  void dueAfterMaxWaitAndDiscardsRevokedPartitions() {
    TaskBatcher b = new TaskBatcher(64, 5);
    assertEquals(50, b.millisUntilDue(0, 50));
    b.add(task(P0, 0, "gradient", null, 1, 1), 100);
    b.add(task(P1, 0, "gradient", null, 1, 1), 101);
    assertFalse(b.due(104));
    assertEquals(2, b.millisUntilDue(103, 50));
    assertTrue(b.due(105));
    b.discard(List.of(P1));
    assertEquals(1, b.size());
    TaskBatcher.Drained d = b.drain();
    assertEquals(List.of(P0), List.copyOf(d.offsets().keySet()));
  }

  @Test
  void runnerSplitsABatchResultPerTask() {
    FakeComputer computer = new FakeComputer();
    BatchRunner runner = runner(computer);
    List<WorkerOutput> out = runner.run(List.of(task(P0, 0, "gradient", 4, 1, 1f), task(P0, 1, "gradient", 4, 2, 3f)));
    assertEquals(List.of(3), computer.batches, "3 samples in one call, not padded (worker.pad.batches=false)");
    assertEquals(2, out.size());
    Explanation first = ((WorkerOutput.Done) out.get(0)).explanation();
    Explanation second = ((WorkerOutput.Done) out.get(1)).explanation();
    assertEquals(List.of(1L, 1L, 16L, 16L), first.getRelevance().getShape());
    assertEquals(List.of(2L, 1L, 16L, 16L), second.getRelevance().getShape());
    assertEquals(2f, TensorCodec.toFloatArray(first.getRelevance())[0]);
    assertEquals(6f, TensorCodec.toFloatArray(second.getRelevance())[511]);
    assertEquals(4, first.getTarget());
    assertEquals(0.5f, first.getTargetLogit());
    assertEquals(1.5f, second.getTargetLogit());
    assertEquals(2.0 * 256, first.getSummary().getSum(), 1e-9);
    assertEquals("e1", second.getEventId());
    assertTrue(first.getQueuedMillis() >= 0);
  }

  @Test
  void aFailingBatchIsRetriedTaskByTaskSoOnlyTheBadTaskDies() {
    FakeComputer computer = new FakeComputer();
    computer.poison = 7f;
    List<WorkerOutput> out = runner(computer).run(List.of(task(P0, 0, "gradient", null, 1, 1f),
        task(P0, 1, "gradient", null, 1, 7f), task(P0, 2, "gradient", null, 1, 2f)));
    assertEquals(List.of(3, 1, 1, 1), computer.batches);
    assertInstanceOf(WorkerOutput.Done.class, out.get(0));
    WorkerOutput.Failed failed = assertInstanceOf(WorkerOutput.Failed.class, out.get(1));
    assertInstanceOf(WorkerOutput.Done.class, out.get(2));
    assertEquals(ErrorCode.COMPUTE_FAILED, failed.letter().getErrorCode());
    assertEquals("e1", failed.letter().getEventId());
    assertEquals("gradient", failed.letter().getMethod());
    // a worker's dead letter names the task record it read (topic, offset, key, bytes), never a mix of task and
    // request; the request's place is inside the task bytes
    assertEquals("t.tasks.pytorch", failed.letter().getSourceTopic());
    assertEquals(0, failed.letter().getSourcePartition());
    assertEquals(1L, failed.letter().getSourceOffset());
    assertEquals(java.nio.ByteBuffer.wrap("digits_cnn".getBytes()), failed.letter().getSourceKey());
    ExplainTask replayed = io.signstream.schemas.AvroSerde.explainTask().decode(
        bytes(failed.letter().getOriginalValue()));
    assertEquals("e1", replayed.getEventId());
    assertEquals("t.requests", replayed.getSourceTopic());
    assertEquals(101L, replayed.getSourceOffset());
    assertTrue(failed.letter().getReason().contains("poisoned input"), failed.letter().getReason());
  }

  @Test
  void withPaddingTheBatchIsPaddedToAPowerOfTwoAndTrimmedBack() {
    FakeComputer computer = new FakeComputer();
    BatchRunner runner = new BatchRunner(ModelRegistry.load(TestEvents.modelsDir()), computer,
        PipelineMetrics.inMemory(), System::currentTimeMillis, io.signstream.stream.topology.DeadLetters.DEFAULT, true);
    List<WorkerOutput> out = runner.run(List.of(task(P0, 0, "gradient", 4, 1, 1f), task(P0, 1, "gradient", 4, 2, 3f)));
    assertEquals(List.of(4), computer.batches, "3 samples padded to 4");
    assertEquals(List.of(2L, 1L, 16L, 16L),
        ((WorkerOutput.Done) out.get(1)).explanation().getRelevance().getShape());
  }

  @Test
  void summaryCountsSignsAndExtremes() {
    RelevanceSummary s = Explanations.summary(new float[] {-1, 0, 2, 3});
    assertEquals(4, s.getSum(), 0);
    assertEquals(-1, s.getMin(), 0);
    assertEquals(3, s.getMax(), 0);
    assertEquals(0.5, s.getSharePositive(), 0);
  }

  @Test
  void lruCacheClosesTheEldest() throws Exception {
    LruCache<String, FakeComputer> cache = new LruCache<>(2);
    FakeComputer a = cache.get("a", k -> new FakeComputer());
    FakeComputer b = cache.get("b", k -> new FakeComputer());
    assertEquals(a, cache.get("a", k -> new FakeComputer()));
    cache.get("c", k -> new FakeComputer()); // b is least recently used
    assertTrue(b.closed);
    assertFalse(a.closed);
    assertTrue(cache.contains("a") && cache.contains("c") && !cache.contains("b"));
    cache.evict("a");
    assertTrue(a.closed);
    cache.close();
    assertEquals(0, cache.size());
    assertThrows(IllegalArgumentException.class, () -> new LruCache<String, FakeComputer>(0));
  }

  private static byte[] bytes(java.nio.ByteBuffer b) {
    java.nio.ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }

  private static BatchRunner runner(FakeComputer computer) {
    return new BatchRunner(ModelRegistry.load(TestEvents.modelsDir()), computer, PipelineMetrics.inMemory(),
        System::currentTimeMillis, io.signstream.stream.topology.DeadLetters.DEFAULT);
  }
}
