package io.signstream.stream.config;

/**
 * How the topology commits and routes.
 *
 * @param commitIntervalMillis Kafka Streams {@code commit.interval.ms}: under exactly-once every commit
 *     ends a transaction, and a task only becomes visible to the workers (read_committed) when its
 *     transaction commits, so under load a task waits on average half this interval before a worker can see
 *     it. Shorter means lower latency under load and more (small) transactions; the default, 25 ms, costs
 *     at most 40 transactions a second however busy the topology is. It does not delay a request that
 *     comes after a quiet spell: Streams commits as soon as it has processed something once the interval
 *     has passed since its last commit, so at 20 requests/s (50 ms apart) every request commits at once
 * @param taskKey what tasks are keyed (and so partitioned) by
 * @param monitorCommitIntervalMillis {@code commit.interval.ms} of the explanation-monitoring Streams app
 *     ({@code topology.monitor.commit.interval.ms}). Nothing waits on its transactions but windowed statistics
 *     and alerts that close once a window (60 s by default) has passed, so it commits seldom: every commit is a
 *     transaction, a flush of its stores' caches and their changelog records, and at 10 ms that cost was
 *     paid a hundred times a second under load. Default 1000
 */
public record TopologySettings(long commitIntervalMillis, TaskKey taskKey, long monitorCommitIntervalMillis) {

  /** What a task record's key is, which decides the task partition and so the worker that computes it. */
  public enum TaskKey {
    /**
     * The model id: all tasks of a model go to one partition, so one worker instance loads it and
     * batches all of its requests (the default: best batches, one copy of each model in memory).
     */
    MODEL,
    /**
     * The event id: the tasks of one model spread over every partition, so that several worker
     * instances (or processes) share one busy model; each of them then loads that model.
     */
    EVENT;

    /** {@code model} or {@code event}, any case. */
    public static TaskKey parse(String name) {
      try {
        return valueOf(name.trim().toUpperCase(java.util.Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("topology.task.key must be model or event, got '" + name + "'", e);
      }
    }
  }

  /** Checks the interval. */
  public TopologySettings {
    if (commitIntervalMillis < 0) {
      throw new IllegalArgumentException("topology.commit.interval.ms must be >= 0, got " + commitIntervalMillis);
    }
    if (monitorCommitIntervalMillis < 0) {
      throw new IllegalArgumentException("topology.monitor.commit.interval.ms must be >= 0, got "
          + monitorCommitIntervalMillis);
    }
    java.util.Objects.requireNonNull(taskKey, "taskKey");
  }

  /** 25 ms commits, tasks keyed by model, monitoring commits every second. */
  public static TopologySettings defaults() {
    return new TopologySettings(25, TaskKey.MODEL, 1000);
  }

  /** A copy with another commit interval. */
  public TopologySettings withCommitIntervalMillis(long millis) {
    return new TopologySettings(millis, taskKey, monitorCommitIntervalMillis);
  }

  /** A copy with another commit interval for the monitoring app. */
  public TopologySettings withMonitorCommitIntervalMillis(long millis) {
    return new TopologySettings(commitIntervalMillis, taskKey, millis);
  }

  /** A copy with another task key. */
  public TopologySettings withTaskKey(TaskKey key) {
    return new TopologySettings(commitIntervalMillis, key, monitorCommitIntervalMillis);
  }
}
