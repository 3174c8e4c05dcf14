package io.signstream.stream.monitoring;

/**
 * How the monitor brings every explanation of a model to one Streams task, where that model's windows live.
 *
 * <pre>{@code
 * ExplanationRouting routing = ExplanationRouting.forPartitions(TopicAdmin.partitionCount(client, explanations));
 * }</pre>
 */
public enum ExplanationRouting {
  /**
   * The explanations topic has one partition, so one task reads every model already. The explanations are read
   * as they are: no re-keying, no repartition topic, which saves the broker a write and a read of every map.
   */
  DIRECT,
  /**
   * Any other partition count: each explanation is re-keyed by model id and sent through the repartition topic
   * {@code <application.id>-monitor-by-model-repartition}.
   */
  BY_MODEL;

  /** {@link #DIRECT} for a one-partition explanations topic, else (several, or not known) {@link #BY_MODEL}. */
  public static ExplanationRouting forPartitions(int partitions) {
    return partitions == 1 ? DIRECT : BY_MODEL;
  }
}
