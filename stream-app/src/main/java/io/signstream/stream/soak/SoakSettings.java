package io.signstream.stream.soak;

import io.signstream.stream.config.TopologySettings;
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
 * @param topology the topology's commit interval and task key
 * @param padBatches whether the workers pad micro-batches to powers of two
 * @param samplesPerRequest samples in each request's input tensor (its batch axis), so maps per explanation: a
 *     producer that logs its inference batches sends several; 1 is one request, task and explanation record per map
 */
public record SoakSettings(String modelId, List<String> methods, String engine, int partitions, int workers,
    int maxBatch, long maxWaitMillis, TopologySettings topology, boolean padBatches, int samplesPerRequest) {

  /** Copies the method list and checks the numbers. */
  public SoakSettings {
    methods = List.copyOf(methods);
    if (methods.isEmpty() || partitions <= 0 || workers <= 0 || maxBatch <= 0 || maxWaitMillis < 0
        || samplesPerRequest <= 0) {
      throw new IllegalArgumentException("soak settings out of range: " + methods + ", partitions=" + partitions
          + ", workers=" + workers + ", maxBatch=" + maxBatch + ", maxWaitMillis=" + maxWaitMillis
          + ", samplesPerRequest=" + samplesPerRequest);
    }
  }

  /**
   * digits_cnn, gradient, PyTorch, one partition, one worker, batches of up to 64 after at most 2 ms, one sample
   * per request.
   */
  public static SoakSettings defaults() {
    return new SoakSettings("digits_cnn", List.of("gradient"), "pytorch", 1, 1, 64, 2, TopologySettings.defaults(),
        false, 1);
  }

  /** A copy with other methods. */
  public SoakSettings withMethods(List<String> list) {
    return new SoakSettings(modelId, list, engine, partitions, workers, maxBatch, maxWaitMillis, topology, padBatches,
        samplesPerRequest);
  }

  /** A copy with another model and engine. */
  public SoakSettings withModel(String model, String engineName) {
    return new SoakSettings(model, methods, engineName, partitions, workers, maxBatch, maxWaitMillis, topology,
        padBatches, samplesPerRequest);
  }

  /**
   * A copy with {@code count} worker instances on as many partitions; with more than one, tasks are keyed
   * by event so that the instances share the one model under test.
   */
  public SoakSettings withWorkers(int count) {
    return new SoakSettings(modelId, methods, engine, Math.max(partitions, count), count, maxBatch, maxWaitMillis,
        count > 1 ? topology.withTaskKey(TopologySettings.TaskKey.EVENT) : topology, padBatches, samplesPerRequest);
  }

  /** A copy with another batching policy. */
  public SoakSettings withBatching(int batch, long waitMillis) {
    return new SoakSettings(modelId, methods, engine, partitions, workers, batch, waitMillis, topology, padBatches,
        samplesPerRequest);
  }

  /** A copy with other topology settings. */
  public SoakSettings withTopology(TopologySettings settings) {
    return new SoakSettings(modelId, methods, engine, partitions, workers, maxBatch, maxWaitMillis, settings,
        padBatches, samplesPerRequest);
  }

  /** A copy whose workers pad micro-batches to powers of two, or not. */
  public SoakSettings withPadBatches(boolean pad) {
    return new SoakSettings(modelId, methods, engine, partitions, workers, maxBatch, maxWaitMillis, topology, pad,
        samplesPerRequest);
  }

  /** A copy whose requests carry {@code n} samples each. */
  public SoakSettings withSamplesPerRequest(int n) {
    return new SoakSettings(modelId, methods, engine, partitions, workers, maxBatch, maxWaitMillis, topology,
        padBatches, n);
  }
}
