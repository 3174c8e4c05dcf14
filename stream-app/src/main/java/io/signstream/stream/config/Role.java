package io.signstream.stream.config;

import java.util.Locale;

/**
 * Which parts of the pipeline one process runs ({@code role} in the configuration,
 * {@code SIGNSTREAM_ROLE} in the environment).
 *
 * <p>Why split at all: the topology is light and runs once per deployment (Kafka Streams spreads its
 * partitions if there are several), while the workers carry the engines and the CPU load; run as
 * separate processes in the same consumer group, workers scale out by starting more of them.
 */
public enum Role {

  /** Topology, workers, dead-letter feed and HTTP in one process (the default, and the demo). */
  ALL,

  /** Topology, dead-letter feed and HTTP; no workers. */
  TOPOLOGY,

  /** Workers (and HTTP for /health and /metrics) only. */
  WORKER;

  /** Whether this process runs the Kafka Streams topology. */
  public boolean runsTopology() {
    return this != WORKER;
  }

  /** Whether this process runs worker verticles. */
  public boolean runsWorkers() {
    return this != TOPOLOGY;
  }

  /**
   * Parses {@code all}, {@code topology} or {@code worker} (any case).
   *
   * @throws IllegalArgumentException for anything else
   */
  public static Role parse(String name) {
    try {
      return valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("role must be all, topology or worker, got '" + name + "'", e);
    }
  }
}
