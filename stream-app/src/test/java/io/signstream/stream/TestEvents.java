package io.signstream.stream;

import io.signstream.engine.npy.NpyArray;
import io.signstream.engine.npy.NpyFile;
import io.signstream.schemas.AvroSerde;
import io.signstream.schemas.InferenceEvent;
import io.signstream.schemas.Layout;
import io.signstream.schemas.Tensor;
import io.signstream.schemas.TensorCodec;
import io.signstream.stream.demo.DemoModels;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Requests built from the bundled digits_cnn samples, for tests. */
public final class TestEvents {

  private static final AvroSerde<InferenceEvent> SERDE = AvroSerde.inferenceEvent();
  private static Path modelsDir;

  private TestEvents() {}

  /** The bundled demo models, extracted once per JVM. */
  public static synchronized Path modelsDir() {
    if (modelsDir == null) {
      try {
        modelsDir = DemoModels.extract(Files.createTempDirectory("signstream-models-"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return modelsDir;
  }

  /**
   * A new folder with the demo models and {@code lrn_cnn}, a model no engine can load (an ONNX {@code LRN} node
   * named {@code norm}; test resource {@code unsupported/}, a byte-for-byte copy of the engine's).
   */
  public static Path modelsDirWithUnloadable() {
    try {
      Path dir = DemoModels.extract(Files.createTempDirectory("signstream-models-lrn-"));
      Files.createDirectories(dir.resolve("lrn_cnn"));
      for (String name : List.of("lrn_cnn.model.json", "lrn_cnn/lrn_cnn.onnx")) {
        try (InputStream in = TestEvents.class.getResourceAsStream("/unsupported/" + name)) {
          Files.copy(in, dir.resolve(name));
        }
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** digits_cnn sample {@code i} (0..3), shape [1, 1, 16, 16]. */
  public static NpyArray digit(int i) {
    try {
      return NpyFile.read(modelsDir().resolve("digits_cnn/x" + (i % 4) + "/input.npy"));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A valid digits_cnn request for sample {@code i}. */
  public static InferenceEvent.Builder digitsEvent(String id, int i, List<String> methods) {
    NpyArray x = digit(i);
    return event(id, "digits_cnn", TensorCodec.fromFloats(x.data(), x.shape(), Layout.NCHW), methods);
  }

  /** A request with every field given. */
  public static InferenceEvent.Builder event(String id, String model, Tensor input, List<String> methods) {
    return InferenceEvent.newBuilder()
        .setEventId(id)
        .setModelId(model)
        .setEventTime(Instant.ofEpochMilli(1_700_000_000_000L))
        .setInput(input)
        .setMethods(methods)
        .setParams(new HashMap<>())
        .setMetadata(new HashMap<>(Map.of("source", "test")));
  }

  /** Single-object encoded bytes of a request. */
  public static byte[] bytes(InferenceEvent event) {
    return SERDE.encode(event);
  }
}
