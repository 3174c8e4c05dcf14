package io.signstream.stream.config;

import io.signstream.schemas.TopicNames;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Reads a {@link StreamConfig} from a Java properties file.
 *
 * <pre>
 * bootstrap.servers=broker1:9092,broker2:9092
 * topic.prefix=prod.signstream.
 * models.dir=/srv/models                 # relative paths resolve against the file's folder
 * http.port=8080
 * kafka.security.protocol=SASL_SSL       # any kafka.* key goes to every Kafka client, prefix removed
 * kafka.sasl.mechanism=PLAIN
 * </pre>
 *
 * <p>Other keys: {@code application.id}, {@code topic.partitions}, {@code topic.replication.factor},
 * {@code http.host}, {@code state.dir}, {@code limits.max.tensor.bytes}, {@code limits.max.batch},
 * {@code limits.max.methods}, {@code limits.max.metadata.entries}, {@code limits.max.metadata.bytes},
 * {@code limits.max.id.length}, {@code worker.engines}, {@code worker.instances}, {@code worker.max.batch},
 * {@code worker.max.wait.ms}, {@code worker.max.in.flight}, {@code worker.cache.size},
 * {@code worker.device}, {@code worker.poll.ms}. Unknown keys outside {@code kafka.*} are refused, so a
 * typo does not silently fall back to a default.
 */
public final class ConfigLoader {

  /** Prefix of the keys passed through to the Kafka clients. */
  public static final String CLIENT_PREFIX = "kafka.";

  private static final List<String> KNOWN = List.of("bootstrap.servers", "topic.prefix", "application.id",
      "topic.partitions", "topic.replication.factor", "models.dir", "http.host", "http.port", "state.dir",
      "limits.max.tensor.bytes", "limits.max.batch", "limits.max.methods", "limits.max.metadata.entries",
      "limits.max.metadata.bytes", "limits.max.id.length", "worker.engines", "worker.instances", "worker.max.batch",
      "worker.max.wait.ms", "worker.max.in.flight", "worker.cache.size", "worker.device", "worker.poll.ms");

  private ConfigLoader() {}

  /** Loads a file; relative paths in it resolve against the file's folder. */
  public static StreamConfig load(Path file) throws IOException {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    }
    Path base = file.toAbsolutePath().getParent();
    return fromProperties(p, base);
  }

  /**
   * Builds a configuration from properties.
   *
   * @param base folder that relative paths resolve against
   * @throws IllegalArgumentException on a missing {@code bootstrap.servers}, an unknown key or a bad number
   */
  public static StreamConfig fromProperties(Properties p, Path base) {
    Map<String, String> client = new LinkedHashMap<>();
    for (String key : p.stringPropertyNames()) {
      if (key.startsWith(CLIENT_PREFIX)) {
        client.put(key.substring(CLIENT_PREFIX.length()), p.getProperty(key).trim());
      } else if (!KNOWN.contains(key)) {
        throw new IllegalArgumentException("unknown configuration key '" + key + "' (Kafka client settings take the"
            + " prefix '" + CLIENT_PREFIX + "'; known keys: " + KNOWN + ")");
      }
    }
    String bootstrap = p.getProperty("bootstrap.servers");
    if (bootstrap == null || bootstrap.isBlank()) {
      throw new IllegalArgumentException("bootstrap.servers is required");
    }
    StreamConfig d = StreamConfig.defaults(bootstrap.trim(), base.resolve("models"));
    TopicNames topics = new TopicNames(p.getProperty("topic.prefix", d.topics().prefix()).trim());
    ValidationLimits l = d.limits();
    ValidationLimits limits = new ValidationLimits(
        longOf(p, "limits.max.tensor.bytes", l.maxTensorBytes()),
        intOf(p, "limits.max.batch", l.maxBatch()),
        intOf(p, "limits.max.methods", l.maxMethods()),
        intOf(p, "limits.max.metadata.entries", l.maxMetadataEntries()),
        intOf(p, "limits.max.metadata.bytes", l.maxMetadataBytes()),
        intOf(p, "limits.max.id.length", l.maxIdLength()));
    WorkerSettings w = d.worker();
    String engines = p.getProperty("worker.engines");
    WorkerSettings worker = new WorkerSettings(
        engines == null ? w.engines() : Arrays.stream(engines.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList(),
        intOf(p, "worker.instances", w.instances()),
        intOf(p, "worker.max.batch", w.maxBatch()),
        longOf(p, "worker.max.wait.ms", w.maxWaitMillis()),
        intOf(p, "worker.max.in.flight", w.maxInFlight()),
        intOf(p, "worker.cache.size", w.explainerCacheSize()),
        p.getProperty("worker.device", w.device()).trim(),
        longOf(p, "worker.poll.ms", w.pollMillis()));
    String stateDir = p.getProperty("state.dir");
    return new StreamConfig(
        bootstrap.trim(),
        topics,
        p.getProperty("application.id", topics.prefix() + "topology").trim(),
        intOf(p, "topic.partitions", d.partitions()),
        (short) intOf(p, "topic.replication.factor", d.replicationFactor()),
        base.resolve(p.getProperty("models.dir", "models").trim()),
        p.getProperty("http.host", d.httpHost()).trim(),
        intOf(p, "http.port", d.httpPort()),
        stateDir == null ? null : base.resolve(stateDir.trim()),
        client,
        limits,
        worker);
  }

  private static long longOf(Properties p, String key, long fallback) {
    String v = p.getProperty(key);
    if (v == null) {
      return fallback;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be a whole number, got '" + v + "'", e);
    }
  }

  private static int intOf(Properties p, String key, long fallback) {
    long v = longOf(p, key, fallback);
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(key + " is out of range: " + v);
    }
    return (int) v;
  }
}
