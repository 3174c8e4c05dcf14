package io.signstream.stream.reliability;

import io.signstream.schemas.TopicNames;
import io.signstream.stream.TestEvents;
import io.signstream.stream.config.StreamConfig;
import io.signstream.stream.config.ValidationLimits;
import io.signstream.stream.config.WorkerSettings;
import io.signstream.stream.kafka.KafkaProps;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Configurations shared by the reliability scenarios. */
final class Scenario {

  /** Bounds small enough that the size cases of the malformed catalogue stay small records. */
  static final ValidationLimits LIMITS = ValidationLimits.defaults().withMaxTensorBytes(64 * 1024).withMaxBatch(32)
      .withMetadata(8, 1024);

  /**
   * Client settings for processes that may be killed: a dead worker's partitions move after
   * {@code session.timeout.ms} (the broker's minimum, 6 s, instead of 45 s) and its open
   * transaction is aborted after {@code transaction.timeout.ms}; with the defaults a killed worker
   * would hold its share of the results back for about a minute.
   */
  static final Map<String, String> FAST_FAILOVER = Map.of("session.timeout.ms", "6000", "heartbeat.interval.ms",
      "1000", "transaction.timeout.ms", "5000");

  /** Broker setting that goes with {@link #FAST_FAILOVER}: look for timed-out transactions every second. */
  static final Map<String, String> BROKER_FAST_ABORT = Map.of(
      "transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000");

  private Scenario() {}

  /** A PyTorch-only deployment with its own topic prefix, {@code partitions} partitions, HTTP on any port. */
  static StreamConfig config(String bootstrap, String prefix, int partitions, Path modelsDir) {
    return StreamConfig.defaults(bootstrap, modelsDir)
        .withTopics(new TopicNames(prefix), prefix + "topology")
        .withTopicLayout(partitions, (short) 1)
        .withHttp("127.0.0.1", 0)
        .withLimits(LIMITS)
        .withWorker(WorkerSettings.defaults().withEngines(List.of("pytorch"), 1).withBatching(16, 5, 256));
  }

  static StreamConfig config(String bootstrap, String prefix, int partitions) {
    return config(bootstrap, prefix, partitions, TestEvents.modelsDir());
  }

  /** The properties file of a worker process for {@code c} ({@link io.signstream.stream.config.ConfigLoader} keys). */
  static Map<String, String> workerProperties(StreamConfig c, Map<String, String> extra) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("bootstrap.servers", c.bootstrapServers());
    p.put("topic.prefix", c.topics().prefix());
    p.put("topic.partitions", String.valueOf(c.partitions()));
    p.put("topic.replication.factor", String.valueOf(c.replicationFactor()));
    p.put("models.dir", c.modelsDir().toAbsolutePath().toString());
    p.put("http.port", "0");
    p.put("worker.engines", String.join(",", c.worker().engines()));
    p.put("worker.instances", String.valueOf(c.worker().instances()));
    p.put("worker.max.batch", String.valueOf(c.worker().maxBatch()));
    p.put("worker.max.wait.ms", String.valueOf(c.worker().maxWaitMillis()));
    p.put("worker.max.in.flight", String.valueOf(c.worker().maxInFlight()));
    p.put("limits.max.tensor.bytes", String.valueOf(c.limits().maxTensorBytes()));
    p.put("limits.max.batch", String.valueOf(c.limits().maxBatch()));
    c.clientProperties().forEach((k, v) -> p.put("kafka." + k, v));
    p.putAll(extra);
    return p;
  }

  /** Client properties of the test's own producers and readers. */
  static Map<String, Object> clients(StreamConfig c) {
    return KafkaProps.common(c);
  }
}
