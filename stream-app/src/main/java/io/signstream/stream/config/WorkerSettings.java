package io.signstream.stream.config;

import java.util.List;

/**
 * How the worker verticles consume, batch and compute.
 *
 * @param engines engines to run workers for ("pytorch", "tensorflow"); one consumer group per engine
 * @param instances worker verticle instances per engine; each holds its own explainers (they are not
 *     thread-safe) and its own transactional producer
 * @param maxBatch most samples in one explain call (tasks of the same model and method are stacked
 *     along the batch axis: one call for many events is the fast path)
 * @param maxWaitMillis longest a task waits for companions before its batch is computed anyway
 * @param maxInFlight tasks held (polled, not yet committed) above which the consumer is paused
 * @param explainerCacheSize loaded models kept per worker instance (least recently used one closed first)
 * @param device "cpu", "auto" or "gpu", as the engine's DeviceChoice parses it
 * @param pollMillis longest one poll blocks when nothing is pending
 * @param padBatches whether to pad each micro-batch's batch axis to the next power of two (off by
 *     default: padding bounds the number of batch shapes an engine sees, at up to twice the work; turn it
 *     on only where an engine is measured to pay much more for a new batch shape than for the padding)
 */
public record WorkerSettings(
    List<String> engines,
    int instances,
    int maxBatch,
    long maxWaitMillis,
    int maxInFlight,
    int explainerCacheSize,
    String device,
    long pollMillis,
    boolean padBatches) {

  /** Validates the numbers and copies the engine list. */
  public WorkerSettings {
    engines = List.copyOf(engines);
    if (instances < 0 || maxBatch <= 0 || maxWaitMillis < 0 || maxInFlight <= 0 || explainerCacheSize <= 0
        || pollMillis <= 0) {
      throw new IllegalArgumentException("worker settings out of range: " + engines + ", instances=" + instances
          + ", maxBatch=" + maxBatch + ", maxWaitMillis=" + maxWaitMillis + ", maxInFlight=" + maxInFlight
          + ", explainerCacheSize=" + explainerCacheSize + ", pollMillis=" + pollMillis);
    }
  }

  /** A configuration without padding. */
  public WorkerSettings(List<String> engines, int instances, int maxBatch, long maxWaitMillis, int maxInFlight,
      int explainerCacheSize, String device, long pollMillis) {
    this(engines, instances, maxBatch, maxWaitMillis, maxInFlight, explainerCacheSize, device, pollMillis, false);
  }

  /**
   * One PyTorch and one TensorFlow worker, batches of up to 64 samples, 2 ms wait, CPU, no padding.
   *
   * <p>Why 2 ms: tasks become visible to a worker a topology transaction at a time (read_committed), so
   * the companions of a task arrive with it or a commit interval later; waiting longer than a fetch or
   * two only adds latency when the worker is idle, and a busy worker's batches fill while it computes.
   */
  public static WorkerSettings defaults() {
    return new WorkerSettings(List.of("pytorch", "tensorflow"), 1, 64, 2, 1024, 4, "cpu", 50, false);
  }

  /** A copy that pads micro-batches to powers of two, or not. */
  public WorkerSettings withPadBatches(boolean pad) {
    return new WorkerSettings(engines, instances, maxBatch, maxWaitMillis, maxInFlight, explainerCacheSize, device,
        pollMillis, pad);
  }

  /** A copy with other engines and instance count. */
  public WorkerSettings withEngines(List<String> list, int count) {
    return new WorkerSettings(list, count, maxBatch, maxWaitMillis, maxInFlight, explainerCacheSize, device, pollMillis, padBatches);
  }

  /** A copy with another batching policy. */
  public WorkerSettings withBatching(int batch, long waitMillis, int inFlight) {
    return new WorkerSettings(engines, instances, batch, waitMillis, inFlight, explainerCacheSize, device, pollMillis,
        padBatches);
  }
}
