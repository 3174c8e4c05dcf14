package io.signstream.stream.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.schemas.AvroSerde;
import io.signstream.schemas.DType;
import io.signstream.schemas.ErrorCode;
import io.signstream.schemas.ExplainTask;
import io.signstream.schemas.InferenceEvent;
import io.signstream.schemas.Layout;
import io.signstream.schemas.Tensor;
import io.signstream.schemas.TensorCodec;
import io.signstream.stream.TestEvents;
import io.signstream.stream.config.ValidationLimits;
import io.signstream.stream.registry.ModelRegistry;
import io.signstream.stream.topology.EventValidator;
import io.signstream.stream.topology.Rejection;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Inputs are bounded before anything is allocated for them: the Avro decoder checks declared lengths
 * against the bytes it has, and the validator checks sizes, batch, metadata, ids and method counts
 * against {@link ValidationLimits} (each bound: accepted at the limit, refused one over it) before a
 * worker converts a tensor. Allocations are measured with the JVM's per-thread allocation counter.
 */
class InputBoundsTest {

  private static final ModelRegistry REGISTRY = ModelRegistry.load(TestEvents.modelsDir());
  private static final ValidationLimits LIMITS = new ValidationLimits(64 * 1024, 128, 4, 8, 1024, 64);
  private static final EventValidator VALIDATOR = new EventValidator(REGISTRY, LIMITS);

  @Test
  void aRecordDeclaringAHugeFieldIsRefusedWithoutAllocatingIt() {
    byte[] bytes = MalformedInputs.hugeDeclaredLength();
    long allocated = allocatedBy(() -> assertThrows(SerializationException.class,
        () -> AvroSerde.inferenceEvent().decode(bytes)));
    assertTrue(bytes.length < 40, bytes.length + " bytes");
    assertTrue(allocated < 1 << 20, "decoding a " + bytes.length + "-byte record allocated " + allocated + " bytes");
  }

  @Test
  void aTensorDeclaringAHugeShapeIsRefusedWithoutAllocatingIt() {
    Tensor t = raw(new long[] {1L << 40, 1, 16, 16}, 1024);
    long allocated = allocatedBy(() -> assertEquals(ErrorCode.TOO_LARGE, rejection(event("huge").setInput(t))));
    assertTrue(allocated < 1 << 20, "validating allocated " + allocated + " bytes");
  }

  @Test
  void tensorBytesAreBoundedAtTheLimit() throws Exception {
    int atLimit = (int) (LIMITS.maxTensorBytes() / 1024); // samples of 1 x 16 x 16 float32
    VALIDATOR.validate(event("at").setInput(floats(atLimit)).build());
    assertEquals(ErrorCode.TOO_LARGE, rejection(event("over").setInput(floats(atLimit + 1))));
  }

  @Test
  void batchIsBoundedAtTheLimit() throws Exception {
    ValidationLimits small = LIMITS.withMaxBatch(8);
    EventValidator v = new EventValidator(REGISTRY, small);
    v.validate(event("at").setInput(floats(8)).build());
    Rejection r = assertThrows(Rejection.class, () -> v.validate(event("over").setInput(floats(9)).build()));
    assertEquals(ErrorCode.TOO_LARGE, r.code());
    assertTrue(r.getMessage().contains("batch"), r.getMessage());
  }

  @Test
  void metadataAndParamsAreBoundedInEntriesAndUtf8Bytes() throws Exception {
    Map<String, String> entries = new HashMap<>();
    for (int i = 0; i < LIMITS.maxMetadataEntries(); i++) {
      entries.put("k" + i, "v");
    }
    VALIDATOR.validate(event("at").setMetadata(entries).build());
    entries.put("one-more", "v");
    assertEquals(ErrorCode.METADATA_TOO_LARGE, rejection(event("over").setMetadata(entries)));
    // bytes, not characters: 'é' is two UTF-8 bytes
    String atBytes = "é".repeat((LIMITS.maxMetadataBytes() - 1) / 2);
    VALIDATOR.validate(event("at-bytes").setMetadata(Map.of("k", atBytes)).build());
    assertEquals(ErrorCode.METADATA_TOO_LARGE, rejection(event("over-bytes").setMetadata(Map.of("k", atBytes + "é"))));
    assertEquals(ErrorCode.METADATA_TOO_LARGE, rejection(event("params").setParams(Map.of("k", atBytes + "é"))));
  }

  @Test
  void idsAndMethodListsAreBounded() throws Exception {
    VALIDATOR.validate(event("x".repeat(LIMITS.maxIdLength())).build());
    assertEquals(ErrorCode.TOO_LARGE, rejection(event("x".repeat(LIMITS.maxIdLength() + 1))));
    VALIDATOR.validate(event("m").setMethods(Collections.nCopies(LIMITS.maxMethods(), "gradient")).build());
    assertEquals(ErrorCode.TOO_LARGE,
        rejection(event("m").setMethods(Collections.nCopies(LIMITS.maxMethods() + 1, "gradient"))));
    assertEquals(ErrorCode.UNKNOWN_METHOD, rejection(event("m").setMethods(List.of("g".repeat(LIMITS.maxIdLength() + 1)))));
  }

  /** The default bounds keep the largest task the topology can write under Kafka's default 1 MiB record. */
  @Test
  void theLargestTaskUnderTheDefaultBoundsFitsAKafkaRecord() {
    ValidationLimits d = ValidationLimits.defaults();
    String id = "i".repeat(d.maxIdLength());
    Map<String, String> meta = new HashMap<>();
    for (int i = 0; i < d.maxMetadataEntries(); i++) {
      String k = String.format("%03d", i);
      meta.put(k, "m".repeat(d.maxMetadataBytes() / d.maxMetadataEntries() - k.length()));
    }
    ExplainTask task = ExplainTask.newBuilder().setEventId(id).setModelId(id).setModelVersion(id).setMethod(id)
        .setParams(meta).setEngine("tensorflow").setTarget(1)
        .setInput(raw(new long[] {d.maxTensorBytes() / 4}, (int) d.maxTensorBytes()))
        .setEventTime(Instant.EPOCH).setRoutedAt(Instant.EPOCH).setMetadata(meta).setSourceTopic(id)
        .setSourcePartition(Integer.MAX_VALUE).setSourceOffset(Long.MAX_VALUE).build();
    int size = AvroSerde.explainTask().encode(task).length;
    int brokerDefault = 1_048_588; // message.max.bytes
    System.out.printf("RELIABILITY bounds: the largest task under the default bounds encodes to %d bytes (broker"
        + " default record limit %d)%n", size, brokerDefault);
    assertTrue(size + 1024 < brokerDefault, size + " bytes");
  }

  private static InferenceEvent.Builder event(String id) {
    return TestEvents.digitsEvent(id, 0, List.of("gradient"));
  }

  private static ErrorCode rejection(InferenceEvent.Builder b) {
    return assertThrows(Rejection.class, () -> VALIDATOR.validate(b.build())).code();
  }

  private static Tensor floats(int samples) {
    return TensorCodec.fromFloats(new float[samples * 256], new long[] {samples, 1, 16, 16}, Layout.NCHW);
  }

  private static Tensor raw(long[] shape, int bytes) {
    List<Long> dims = new java.util.ArrayList<>();
    for (long d : shape) {
      dims.add(d);
    }
    return Tensor.newBuilder().setDtype(DType.FLOAT32).setShape(dims).setLayout(Layout.ANY)
        .setData(ByteBuffer.allocate(bytes)).build();
  }

  /** Bytes this thread allocated while running {@code body}. */
  private static long allocatedBy(Executable body) {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();
    try {
      body.execute();
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
    return threads.getCurrentThreadAllocatedBytes() - before;
  }
}
