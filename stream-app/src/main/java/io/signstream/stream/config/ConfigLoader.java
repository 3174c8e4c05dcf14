package io.signstream.stream.config;

import io.signstream.schemas.TopicNames;
import io.signstream.stream.monitoring.MonitorSettings;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a {@link StreamConfig} from a Java properties file.
 *
 * <pre>
 * bootstrap.servers=broker1:9092,broker2:9092
 * topic.prefix=prod.signstream.
 * # relative paths resolve against the file's folder (a properties file has no end-of-line comments)
 * models.dir=/srv/models
 * http.port=8080
 * # any kafka.* key goes to every Kafka client, prefix removed
 * kafka.security.protocol=SASL_SSL
 * kafka.sasl.mechanism=PLAIN
 * </pre>
 *
 * <p>Other keys: {@code application.id}, {@code topic.partitions}, {@code topic.replication.factor},
 * {@code http.host}, {@code state.dir}, {@code limits.max.tensor.bytes}, {@code limits.max.batch},
 * {@code limits.max.methods}, {@code limits.max.metadata.entries}, {@code limits.max.metadata.bytes},
 * {@code limits.max.id.length}, {@code limits.max.request.bytes}, {@code worker.engines}, {@code worker.instances}, {@code worker.max.batch},
 * {@code worker.max.wait.ms}, {@code worker.max.in.flight}, {@code worker.cache.size},
 * {@code worker.device}, {@code worker.poll.ms}, {@code worker.pad.batches}, {@code topology.commit.interval.ms},
 * {@code topology.monitor.commit.interval.ms},
 * {@code topology.task.key} ({@code model} or {@code event}, see {@link TopologySettings}), {@code role} ({@code all}, {@code topology} or
 * {@code worker}, see {@link Role}; a worker's {@code http.port} defaults to 0, any free port). Unknown keys outside {@code kafka.*} are refused, so a typo does not
 * silently fall back to a default.
 *
 * <p>Environment variables (containers are configured that way) override the file, or replace it:
 * {@code SIGNSTREAM_<KEY>} sets a key, upper-cased with dots as underscores
 * ({@code SIGNSTREAM_BOOTSTRAP_SERVERS}, {@code SIGNSTREAM_TOPIC_PREFIX}, {@code SIGNSTREAM_MODELS_DIR},
 * {@code SIGNSTREAM_ROLE}, {@code SIGNSTREAM_HTTP_PORT}, …), and {@code KAFKA_<KEY>} sets the client
 * setting {@code kafka.<key>} ({@code KAFKA_SECURITY_PROTOCOL}, {@code KAFKA_SASL_JAAS_CONFIG}, …).
 * An unknown {@code SIGNSTREAM_*} variable is only warned about, because orchestrators define variables
 * of their own with that prefix (Kubernetes: {@code SIGNSTREAM_PORT} for a service named signstream);
 * {@code KAFKA_*_OPTS} (JVM options of Kafka's own scripts) are not client settings and are skipped.
 */
public final class ConfigLoader {

  /** Prefix of the keys passed through to the Kafka clients. */
  public static final String CLIENT_PREFIX = "kafka.";

  /** Prefix of the environment variables that set SignStream keys. */
  public static final String ENV_PREFIX = "SIGNSTREAM_";

  /** Prefix of the environment variables that set Kafka client settings ({@code kafka.*} keys). */
  public static final String KAFKA_ENV_PREFIX = "KAFKA_";

  /** Environment variables a deployment must set when it has no configuration file. */
  public static final List<String> REQUIRED_ENV = List.of("SIGNSTREAM_BOOTSTRAP_SERVERS");

  /** Variables with the SignStream prefix that the launcher script reads, not this loader. */
  private static final List<String> LAUNCHER_ENV = List.of("SIGNSTREAM_JAVA_OPTS");

  private static final Logger LOG = LoggerFactory.getLogger(ConfigLoader.class);

  private static final List<String> KNOWN = List.of("bootstrap.servers", "topic.prefix", "application.id",
      "topic.partitions", "topic.replication.factor", "models.dir", "http.host", "http.port", "state.dir",
      "limits.max.tensor.bytes", "limits.max.batch", "limits.max.methods", "limits.max.metadata.entries",
      "limits.max.metadata.bytes", "limits.max.id.length", "limits.max.request.bytes", "worker.engines", "worker.instances", "worker.max.batch",
      "worker.max.wait.ms", "worker.max.in.flight", "worker.cache.size", "worker.device", "worker.poll.ms", "worker.pad.batches", "role",
      "topology.commit.interval.ms", "topology.task.key", "topology.monitor.commit.interval.ms");

  private ConfigLoader() {}

  /** Loads a file; relative paths in it resolve against the file's folder. */
  public static StreamConfig load(Path file) throws IOException {
    return load(file, Map.of());
  }

  /**
   * Loads a file, then applies the environment variables over it; relative paths resolve against
   * the file's folder.
   *
   * @param env the environment ({@code System.getenv()}), see {@link #environmentProperties}
   */
  public static StreamConfig load(Path file, Map<String, String> env) throws IOException {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    }
    p.putAll(environmentProperties(env));
    Path base = file.toAbsolutePath().getParent();
    return fromProperties(p, base);
  }

  /**
   * A configuration from environment variables alone (a container without a file).
   *
   * @param base folder that relative paths resolve against (the working directory)
   * @throws IllegalArgumentException when {@code SIGNSTREAM_BOOTSTRAP_SERVERS} is missing, or on a bad value
   */
  public static StreamConfig fromEnvironment(Map<String, String> env, Path base) {
    return fromProperties(environmentProperties(env), base);
  }

  /**
   * The configuration keys that environment variables set: {@code SIGNSTREAM_HTTP_PORT=8081} gives
   * {@code http.port=8081}, {@code KAFKA_SASL_MECHANISM=PLAIN} gives {@code kafka.sasl.mechanism=PLAIN}.
   * Unknown {@code SIGNSTREAM_*} variables are logged and skipped.
   */
  public static Properties environmentProperties(Map<String, String> env) {
    Properties p = new Properties();
    for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
      Optional<String> key = keyOf(e.getKey());
      if (key.isPresent()) {
        p.setProperty(key.get(), e.getValue());
      } else if (e.getKey().startsWith(ENV_PREFIX) && !LAUNCHER_ENV.contains(e.getKey())) {
        LOG.warn("ignoring environment variable {}: not a SignStream setting (known: {})", e.getKey(),
            KNOWN.stream().map(ConfigLoader::variableOf).toList());
      }
    }
    return p;
  }

  /**
   * The configuration key an environment variable sets, if this loader reads it: a known key for
   * {@code SIGNSTREAM_*}, a {@code kafka.*} key for {@code KAFKA_*} (except {@code KAFKA_*_OPTS}).
   */
  public static Optional<String> keyOf(String variable) {
    if (variable.startsWith(ENV_PREFIX)) {
      String key = variable.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
      return KNOWN.contains(key) || MonitorSettings.KEYS.contains(key) ? Optional.of(key) : Optional.empty();
    }
    if (variable.startsWith(KAFKA_ENV_PREFIX) && variable.length() > KAFKA_ENV_PREFIX.length()
        && !variable.endsWith("_OPTS") && variable.equals(variable.toUpperCase(Locale.ROOT))) {
      return Optional.of(CLIENT_PREFIX + variable.substring(KAFKA_ENV_PREFIX.length()).toLowerCase(Locale.ROOT)
          .replace('_', '.'));
    }
    return Optional.empty();
  }

  /** The environment variable that sets a key: {@code SIGNSTREAM_TOPIC_PREFIX} for {@code topic.prefix}. */
  public static String variableOf(String key) {
    String name = key.startsWith(CLIENT_PREFIX) ? KAFKA_ENV_PREFIX + key.substring(CLIENT_PREFIX.length())
        : ENV_PREFIX + key;
    return name.toUpperCase(Locale.ROOT).replace('.', '_');
  }

  /** Every SignStream key this loader knows (besides the {@code kafka.*} pass-through). */
  public static List<String> knownKeys() {
    return KNOWN;
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
      } else if (!KNOWN.contains(key) && !MonitorSettings.KEYS.contains(key)) { // monitor.*: MonitorSettings reads them
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
        intOf(p, "limits.max.id.length", l.maxIdLength()),
        intOf(p, "limits.max.request.bytes", l.maxRequestBytes()));
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
        longOf(p, "worker.poll.ms", w.pollMillis()),
        boolOf(p, "worker.pad.batches", w.padBatches()));
    String stateDir = p.getProperty("state.dir");
    return new StreamConfig(
        bootstrap.trim(),
        topics,
        p.getProperty("application.id", topics.prefix() + "topology").trim(),
        intOf(p, "topic.partitions", d.partitions()),
        (short) intOf(p, "topic.replication.factor", d.replicationFactor()),
        base.resolve(p.getProperty("models.dir", "models").trim()),
        p.getProperty("http.host", d.httpHost()).trim(),
        // a worker's HTTP serves /health and /metrics only: any free port by default, so that workers start
        // next to the topology (8080) and next to each other on one host without a port of their own
        intOf(p, "http.port", isWorker(p) ? 0 : d.httpPort()),
        stateDir == null ? null : base.resolve(stateDir.trim()),
        client,
        limits,
        worker,
        p.getProperty("role") == null ? Role.ALL : Role.parse(p.getProperty("role")),
        new TopologySettings(longOf(p, "topology.commit.interval.ms", d.topology().commitIntervalMillis()),
            p.getProperty("topology.task.key") == null ? d.topology().taskKey()
                : TopologySettings.TaskKey.parse(p.getProperty("topology.task.key")),
            longOf(p, "topology.monitor.commit.interval.ms", d.topology().monitorCommitIntervalMillis())));
  }

  private static boolean isWorker(Properties p) {
    String role = p.getProperty("role");
    return role != null && Role.parse(role) == Role.WORKER;
  }

  private static boolean boolOf(Properties p, String key, boolean fallback) {
    String v = p.getProperty(key);
    if (v == null) {
      return fallback;
    }
    return switch (v.trim().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException(key + " must be true or false, got '" + v + "'");
    };
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
