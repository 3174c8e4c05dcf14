package io.signstream.stream.worker;

import io.signstream.schemas.DeadLetter;
import io.signstream.schemas.ErrorCode;
import io.signstream.schemas.ExplainTask;
import io.signstream.schemas.TensorCodec;
import io.signstream.stream.metrics.PipelineMetrics;
import io.signstream.stream.registry.ModelDescriptor;
import io.signstream.stream.registry.ModelRegistry;
import io.signstream.stream.topology.DeadLetters;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Computes one chunk of same-(model, method) tasks with one explain call and turns the result into
 * one output per task.
 *
 * <p>When a batch fails, its tasks are retried one by one, so that one task the engine cannot handle
 * costs one COMPUTE_FAILED dead letter, not the explanations of every event that shared its batch.
 */
final class BatchRunner {

  private static final Logger LOG = LoggerFactory.getLogger(BatchRunner.class);

  private final ModelRegistry registry;
  private final ExplanationComputer computer;
  private final PipelineMetrics metrics;
  private final LongSupplier clock;
  private final DeadLetters letters;
  private final boolean pad;

  BatchRunner(ModelRegistry registry, ExplanationComputer computer, PipelineMetrics metrics, LongSupplier clock,
      DeadLetters letters) {
    this(registry, computer, metrics, clock, letters, false);
  }

  /** @param pad whether to pad batches to powers of two ({@code worker.pad.batches}) */
  BatchRunner(ModelRegistry registry, ExplanationComputer computer, PipelineMetrics metrics, LongSupplier clock,
      DeadLetters letters, boolean pad) {
    this.registry = registry;
    this.computer = computer;
    this.metrics = metrics;
    this.clock = clock;
    this.letters = letters;
    this.pad = pad;
  }

  /** Outputs for every task of the chunk, in chunk order. */
  List<WorkerOutput> run(List<PendingTask> chunk) {
    ExplainTask first = chunk.get(0).task();
    ModelDescriptor model = registry.find(first.getModelId()).orElse(null);
    if (model == null) {
      return failAll(chunk, "model '" + first.getModelId() + "' is not in this worker's model registry");
    }
    long start = clock.getAsLong();
    ComputeResult result;
    long nanos;
    try {
      ComputeRequest exact = request(model, chunk);
      ComputeRequest request = pad ? padded(exact) : exact;
      long t0 = System.nanoTime();
      result = computer.compute(request);
      nanos = System.nanoTime() - t0;
      check(result, request);
      result = trimmed(result, chunk.stream().mapToInt(PendingTask::samples).sum());
    } catch (ComputeException | RuntimeException e) {
      if (chunk.size() > 1) {
        LOG.info("batch of {} {} tasks for {} failed ({}); retrying them one by one", chunk.size(), first.getMethod(),
            model.id(), e.getMessage());
        List<WorkerOutput> out = new ArrayList<>();
        for (PendingTask t : chunk) {
          out.addAll(run(List.of(t)));
        }
        return out;
      }
      if (e instanceof RuntimeException) {
        LOG.warn("explaining {} with {} failed", first.getEventId(), first.getMethod(), e);
      }
      String reason = e.getMessage() == null ? e.toString() : e.getMessage();
      if (e instanceof ComputeException c && c.code() != ErrorCode.COMPUTE_FAILED) {
        return failAll(chunk, c.code(), task -> reason); // the reason says it all (model, engine, what is missing)
      }
      return failAll(chunk, reason);
    }
    long now = clock.getAsLong();
    long computeMillis = nanos / 1_000_000;
    metrics.batch(model.id(), first.getMethod(), result.targets().length, nanos);
    List<WorkerOutput> out = new ArrayList<>(chunk.size());
    int sample = 0;
    for (PendingTask t : chunk) {
      long queued = Math.max(0, start - t.task().getRoutedAt().toEpochMilli());
      metrics.queued(model.id(), first.getMethod(), queued);
      out.add(new WorkerOutput.Done(t, Explanations.of(t.task(), result, sample, t.samples(), queued, computeMillis, now)));
      sample += t.samples();
    }
    return out;
  }

  /** A dead letter for a record that was not a task at all. */
  DeadLetter undecodable(PendingTask t) {
    return letter(t, ErrorCode.UNDECODABLE, t.decodeError());
  }

  /**
   * A dead letter for a task record: like every worker dead letter it names the task record itself
   * (task topic, partition, offset, key and the task's bytes), so that replaying it means writing
   * those bytes back to the task topic; the request it came from is in the task's own
   * sourceTopic/sourcePartition/sourceOffset fields.
   */
  DeadLetter letter(PendingTask t, ErrorCode code, String reason) {
    ExplainTask task = t.task();
    return letters.letter(t.partition().topic(), t.partition().partition(), t.offset(), t.key(), t.value(), code,
        reason, task == null ? null : task.getEventId(), task == null ? null : task.getMethod(), clock.getAsLong());
  }

  private static ComputeRequest request(ModelDescriptor model, List<PendingTask> chunk) throws ComputeException {
    ExplainTask first = chunk.get(0).task();
    long[] sampleShape = model.inputShape();
    int perSample = (int) model.sampleElements();
    int total = chunk.stream().mapToInt(PendingTask::samples).sum();
    float[] input = new float[total * perSample];
    int[] targets = first.getTarget() == null ? null : new int[total];
    int at = 0;
    for (PendingTask t : chunk) {
      long[] shape = TensorCodec.shape(t.task().getInput());
      if (!Arrays.equals(Arrays.copyOfRange(shape, 1, shape.length), sampleShape)) {
        throw new ComputeException("input shape " + Arrays.toString(shape) + " does not fit model '" + model.id()
            + "' sample shape " + Arrays.toString(sampleShape));
      }
      float[] x = TensorCodec.toFloatArray(t.task().getInput(), (long) t.samples() * perSample);
      System.arraycopy(x, 0, input, at * perSample, x.length);
      if (targets != null) {
        Arrays.fill(targets, at, at + t.samples(), t.task().getTarget());
      }
      at += t.samples();
    }
    long[] shape = new long[sampleShape.length + 1];
    shape[0] = total;
    System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
    return new ComputeRequest(model, first.getEngine(), first.getMethod(), first.getParams(), input, shape, targets);
  }

  /**
   * Pads the batch axis to the next power of two by repeating the last sample (only with
   * {@code worker.pad.batches=true}).
   *
   * <p>Why it exists: the engine's cost for a batch shape it has not seen yet is several times its steady
   * cost (measured on digits_cnn: about 12 ms per map with a new batch size on every call against
   * 2.5 ms at a fixed one), and micro-batches come in every size from 1 to maxBatch. Powers of two
   * bound the shapes to a handful at most twice the work; the padded rows are dropped afterwards.
   * Why it is off by default: see the stream-app README (measured with {@code signstream loadtest}).
   */
  static ComputeRequest padded(ComputeRequest r) {
    int n = r.samples();
    int bucket = Integer.highestOneBit(n) == n ? n : Integer.highestOneBit(n) << 1;
    if (bucket == n) {
      return r;
    }
    int perSample = r.input().length / n;
    float[] input = Arrays.copyOf(r.input(), bucket * perSample);
    for (int i = n; i < bucket; i++) {
      System.arraycopy(r.input(), (n - 1) * perSample, input, i * perSample, perSample);
    }
    int[] targets = null;
    if (r.targets() != null) {
      targets = Arrays.copyOf(r.targets(), bucket);
      Arrays.fill(targets, n, bucket, r.targets()[n - 1]);
    }
    long[] shape = r.shape().clone();
    shape[0] = bucket;
    return new ComputeRequest(r.model(), r.engine(), r.method(), r.params(), input, shape, targets);
  }

  /** The first {@code n} samples of a (padded) result. */
  static ComputeResult trimmed(ComputeResult r, int n) {
    if (r.shape()[0] == n) {
      return r;
    }
    int perSample = r.relevance().length / (int) r.shape()[0];
    long[] shape = r.shape().clone();
    shape[0] = n;
    return new ComputeResult(Arrays.copyOf(r.relevance(), n * perSample), shape, Arrays.copyOf(r.targets(), n),
        Arrays.copyOf(r.targetLogits(), n), r.engine(), r.device());
  }

  private static void check(ComputeResult r, ComputeRequest req) throws ComputeException {
    int n = req.samples();
    if (r.shape().length == 0 || r.shape()[0] != n || r.targets().length != n || r.targetLogits().length != n
        || r.relevance().length % n != 0) {
      throw new ComputeException("engine returned shape " + Arrays.toString(r.shape()) + " with " + r.targets().length
          + " targets for a batch of " + n);
    }
  }

  private List<WorkerOutput> failAll(List<PendingTask> chunk, String reason) {
    return failAll(chunk, ErrorCode.COMPUTE_FAILED, task -> "computing " + task.getMethod() + " on "
        + task.getModelId() + " (" + task.getEngine() + ") failed: " + reason);
  }

  private List<WorkerOutput> failAll(List<PendingTask> chunk, ErrorCode code,
      Function<ExplainTask, String> reason) {
    List<WorkerOutput> out = new ArrayList<>(chunk.size());
    for (PendingTask t : chunk) {
      out.add(new WorkerOutput.Failed(t, letter(t, code, reason.apply(t.task()))));
    }
    return out;
  }
}
