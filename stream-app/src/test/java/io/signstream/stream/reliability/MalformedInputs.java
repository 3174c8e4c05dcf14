package io.signstream.stream.reliability;

import io.signstream.schemas.AvroSerde;
import io.signstream.schemas.DType;
import io.signstream.schemas.ErrorCode;
import io.signstream.schemas.InferenceEvent;
import io.signstream.schemas.Layout;
import io.signstream.schemas.Tensor;
import io.signstream.schemas.TensorCodec;
import io.signstream.stream.TestEvents;
import io.signstream.stream.config.ValidationLimits;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * The catalogue of malformed requests for digits_cnn (input [N, 1, 16, 16] NCHW, 10 classes): each
 * must end in exactly one dead letter with its error code and the bytes as they were sent.
 */
final class MalformedInputs {

  /**
   * One malformed request.
   *
   * @param name what is wrong
   * @param key record key bytes
   * @param value record value bytes (null: a tombstone)
   * @param code the dead letter's expected error code
   * @param eventId the id the dead letter carries (null when the bytes cannot be decoded)
   * @param method the method the dead letter names, or null
   */
  record Malformed(String name, byte[] key, byte[] value, ErrorCode code, String eventId, String method) {

    /** The ledger key of its dead letter. */
    String deadLetterKey() {
      return Ledger.deadLetterKey(eventId, value, key);
    }
  }

  private MalformedInputs() {}

  /**
   * Every kind, with ids made unique by {@code tag} so that the catalogue can be sent more than once.
   *
   * @param limits the bounds the pipeline under test enforces (the size cases are built just over them)
   */
  static List<Malformed> catalogue(String tag, ValidationLimits limits) {
    List<Malformed> out = new ArrayList<>();
    String p = "bad-" + tag + "-";
    // --- bytes that are not a request at all
    undecodable(out, p + "garbage", new byte[] {0x13, 0x37, 1, 2, 3});
    byte[] good = TestEvents.bytes(valid(p + "cut").build());
    undecodable(out, p + "truncated-avro", Arrays.copyOf(good, good.length / 2));
    byte[] unknownSchema = TestEvents.bytes(valid(p + "fingerprint").build());
    unknownSchema[5] ^= 0x55;
    undecodable(out, p + "unknown-writer-schema", unknownSchema);
    undecodable(out, p + "huge-declared-length", hugeDeclaredLength());
    out.add(new Malformed(p + "tombstone", (p + "tombstone").getBytes(StandardCharsets.UTF_8), null,
        ErrorCode.UNDECODABLE, null, null));
    // --- the tensor
    float[] x = TestEvents.digit(0).data();
    event(out, p + "truncated-tensor-bytes", ErrorCode.BAD_SHAPE, null, valid(p + "truncated-tensor-bytes")
        .setInput(raw(DType.FLOAT32, new long[] {1, 1, 16, 16}, Layout.NCHW, 4 * 256 - 24)));
    event(out, p + "shape-mismatch", ErrorCode.BAD_SHAPE, null, valid(p + "shape-mismatch")
        .setInput(TensorCodec.fromFloats(new float[28 * 28], new long[] {1, 1, 28, 28}, Layout.NCHW)));
    event(out, p + "negative-dimension", ErrorCode.BAD_SHAPE, null, valid(p + "negative-dimension")
        .setInput(raw(DType.FLOAT32, new long[] {1, 1, -16, 16}, Layout.NCHW, 1024)));
    event(out, p + "empty-batch", ErrorCode.BAD_SHAPE, null, valid(p + "empty-batch")
        .setInput(TensorCodec.fromFloats(new float[0], new long[] {0, 1, 16, 16}, Layout.NCHW)));
    event(out, p + "dtype-mismatch", ErrorCode.BAD_DTYPE, null, valid(p + "dtype-mismatch")
        .setInput(TensorCodec.fromInts(new int[256], new long[] {1, 1, 16, 16}, Layout.NCHW)));
    event(out, p + "layout-mismatch", ErrorCode.BAD_LAYOUT, null, valid(p + "layout-mismatch")
        .setInput(TensorCodec.fromFloats(x, new long[] {1, 1, 16, 16}, Layout.NHWC)));
    event(out, p + "nan", ErrorCode.NON_FINITE, null, valid(p + "nan").setInput(withValue(x, 17, Float.NaN)));
    event(out, p + "infinity", ErrorCode.NON_FINITE, null,
        valid(p + "infinity").setInput(withValue(x, 200, Float.POSITIVE_INFINITY)));
    int overBytes = (int) (limits.maxTensorBytes() / (4 * 256)) + 1;
    event(out, p + "tensor-over-size-bound", ErrorCode.TOO_LARGE, null, valid(p + "tensor-over-size-bound")
        .setInput(TensorCodec.fromFloats(new float[overBytes * 256], new long[] {overBytes, 1, 16, 16}, Layout.NCHW)));
    int overBatch = limits.maxBatch() + 1;
    if ((long) overBatch * 1024 <= limits.maxTensorBytes()) { // only distinct from the byte bound when it fits
      event(out, p + "batch-over-bound", ErrorCode.TOO_LARGE, null, valid(p + "batch-over-bound")
          .setInput(TensorCodec.fromFloats(new float[overBatch * 256], new long[] {overBatch, 1, 16, 16}, Layout.NCHW)));
    }
    event(out, p + "element-count-overflow", ErrorCode.TOO_LARGE, null, valid(p + "element-count-overflow")
        .setInput(raw(DType.FLOAT32, new long[] {1L << 40, 1, 16, 16}, Layout.NCHW, 1024)));
    // --- methods, model, target
    event(out, p + "empty-method-list", ErrorCode.EMPTY_METHODS, null, valid(p + "empty-method-list")
        .setMethods(List.of()));
    event(out, p + "unknown-method", ErrorCode.UNKNOWN_METHOD, "saliency_magic", valid(p + "unknown-method")
        .setMethods(List.of("gradient", "saliency_magic")));
    event(out, p + "too-many-methods", ErrorCode.TOO_LARGE, null, valid(p + "too-many-methods")
        .setMethods(Collections.nCopies(limits.maxMethods() + 1, "gradient")));
    event(out, p + "unknown-model", ErrorCode.UNKNOWN_MODEL, null, valid(p + "unknown-model").setModelId("resnet9000"));
    event(out, p + "unknown-model-version", ErrorCode.UNKNOWN_MODEL, null, valid(p + "unknown-model-version")
        .setModelVersion("99"));
    event(out, p + "target-too-high", ErrorCode.TARGET_OUT_OF_RANGE, null, valid(p + "target-too-high").setTarget(10));
    event(out, p + "target-negative", ErrorCode.TARGET_OUT_OF_RANGE, null, valid(p + "target-negative").setTarget(-1));
    event(out, p + "unknown-engine", ErrorCode.UNKNOWN_ENGINE, null, valid(p + "unknown-engine").setEngine("onnxruntime"));
    event(out, p + "blank-event-id", ErrorCode.BAD_EVENT_ID, null, valid(" ")); // key differs: the name
    event(out, p + "bad-parameter", ErrorCode.BAD_PARAMETER, "integrated_gradients", valid(p + "bad-parameter")
        .setMethods(List.of("gradient", "integrated_gradients")).setParams(Map.of("steps", "-3")));
    // --- metadata, params, ids
    Map<String, String> manyEntries = new HashMap<>();
    for (int i = 0; i <= limits.maxMetadataEntries(); i++) {
      manyEntries.put("k" + i, "v");
    }
    event(out, p + "metadata-too-many-entries", ErrorCode.METADATA_TOO_LARGE, null,
        valid(p + "metadata-too-many-entries").setMetadata(manyEntries));
    event(out, p + "metadata-too-many-bytes", ErrorCode.METADATA_TOO_LARGE, null,
        valid(p + "metadata-too-many-bytes").setMetadata(Map.of("blob", "x".repeat(limits.maxMetadataBytes() + 1))));
    event(out, p + "params-too-many-bytes", ErrorCode.METADATA_TOO_LARGE, null,
        valid(p + "params-too-many-bytes").setParams(Map.of("steps", "9".repeat(limits.maxMetadataBytes() + 1))));
    String longId = p + "long-id-" + "x".repeat(limits.maxIdLength());
    event(out, p + "long-id", ErrorCode.TOO_LARGE, null, valid(longId));
    return out;
  }

  /** A valid gradient request for digits_cnn sample 0; the catalogue spoils one thing of it. */
  static InferenceEvent.Builder valid(String id) {
    return TestEvents.digitsEvent(id, 0, List.of("gradient"));
  }

  private static void undecodable(List<Malformed> out, String name, byte[] value) {
    out.add(new Malformed(name, name.getBytes(StandardCharsets.UTF_8), value, ErrorCode.UNDECODABLE, null, null));
  }

  private static void event(List<Malformed> out, String name, ErrorCode code, String method, InferenceEvent.Builder b) {
    InferenceEvent e = b.build();
    out.add(new Malformed(name, e.getEventId().getBytes(StandardCharsets.UTF_8), TestEvents.bytes(e), code,
        e.getEventId(), method));
  }

  /** A tensor record with any shape and {@code bytes} zero bytes of data, consistent or not. */
  private static Tensor raw(DType dtype, long[] shape, Layout layout, int bytes) {
    List<Long> dims = new ArrayList<>();
    for (long d : shape) {
      dims.add(d);
    }
    return Tensor.newBuilder().setDtype(dtype).setShape(dims).setLayout(layout).setData(ByteBuffer.allocate(bytes))
        .build();
  }

  private static Tensor withValue(float[] x, int index, float value) {
    float[] copy = x.clone();
    copy[index] = value;
    return TensorCodec.fromFloats(copy, new long[] {1, 1, 16, 16}, Layout.NCHW);
  }

  /**
   * A 25-byte record whose event id declares 1 GiB: a decoder that allocates what a length field
   * says before checking the bytes left would try to allocate it.
   */
  static byte[] hugeDeclaredLength() {
    byte[] header = Arrays.copyOf(TestEvents.bytes(valid("header").build()), AvroSerde.HEADER_LENGTH);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(header, 0, header.length);
    BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
    try {
      enc.writeLong(1L << 30); // the length of eventId, then nothing
      enc.writeFixed(new byte[12]);
      enc.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
