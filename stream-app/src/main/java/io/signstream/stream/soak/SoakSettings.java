package io.signstream.stream.soak;

import java.util.List;

/**
 * What the soak and load tests run: which model and methods, on which engine, and how the embedded
 * pipeline is laid out.
 *
 * @param modelId a bundled demo model ({@code digits_cnn} or {@code wonnx_opt_mnist})
 * @param methods methods per request (one explanation each)
 * @param engine "pytorch" or "tensorflow"
 * @param partitions partitions of the pipeline's topics
 * @param workers worker verticle instances
 * @param maxBatch most samples per explain call
 * @param maxWaitMillis longest a task waits for a batch
 */
public record SoakSettings(String modelId, List<String> methods, String engine, int partitions, int workers,
    int maxBatch, long maxWaitMillis) {

  /** Copies the method list and checks the numbers. */
  public SoakSettings {
    methods = List.copyOf(methods);
    if (methods.isEmpty() || partitions <= 0 || workers <= 0 || maxBatch <= 0 || maxWaitMillis < 0) {
      throw new IllegalArgumentException("soak settings out of range: " + methods + ", partitions=" + partitions
          + ", workers=" + workers + ", maxBatch=" + maxBatch + ", maxWaitMillis=" + maxWaitMillis);
    }
  }

  /** digits_cnn, gradient, PyTorch, one partition, one worker, batches of up to 64 after at most 5 ms. */
  public static SoakSettings defaults() {
    return new SoakSettings("digits_cnn", List.of("gradient"), "pytorch", 1, 1, 64, 5);
  }

  /** A copy with other methods. */
  public SoakSettings withMethods(List<String> list) {
    return new SoakSettings(modelId, list, engine, partitions, workers, maxBatch, maxWaitMillis);
  }

  /** A copy with another model and engine. */
  public SoakSettings withModel(String model, String engineName) {
    return new SoakSettings(model, methods, engineName, partitions, workers, maxBatch, maxWaitMillis);
  }
}
