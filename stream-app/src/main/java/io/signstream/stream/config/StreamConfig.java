package io.signstream.stream.config;

import io.signstream.schemas.TopicNames;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Everything one SignStream deployment needs to know: where Kafka is, topic names, where the models
 * are, HTTP, validation bounds and worker behaviour. Built from a properties file by
 * {@link ConfigLoader} ({@code signstream run --config FILE}) or in code (demo, tests).
 *
 * @param bootstrapServers Kafka bootstrap servers
 * @param topics topic names (their prefix is configurable)
 * @param applicationId Kafka Streams application id of the topology (also its consumer group)
 * @param partitions partitions of topics SignStream creates
 * @param replicationFactor replication factor of topics SignStream creates and of Streams' internal
 *     topics; -1 means the broker's default
 * @param modelsDir folder of {@code <id>.model.json} descriptors
 * @param httpHost address the HTTP server binds to (loopback by default: exposing it is a decision)
 * @param httpPort HTTP port; 0 picks a free one
 * @param stateDir Kafka Streams state directory; null means a fresh temporary folder
 * @param clientProperties properties passed as they are to every Kafka client (SASL, TLS, timeouts…)
 * @param limits request validation bounds
 * @param worker worker settings
 * @param role which parts of the pipeline this process runs
 * @param topology how the topology commits and keys its tasks
 */
public record StreamConfig(
    String bootstrapServers,
    TopicNames topics,
    String applicationId,
    int partitions,
    short replicationFactor,
    Path modelsDir,
    String httpHost,
    int httpPort,
    Path stateDir,
    Map<String, String> clientProperties,
    ValidationLimits limits,
    WorkerSettings worker,
    Role role,
    TopologySettings topology) {

  /** Default HTTP port of the demo and of {@code run}. */
  public static final int DEFAULT_HTTP_PORT = 8080;

  /** Checks the required parts and copies the client properties. */
  public StreamConfig {
    Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    Objects.requireNonNull(topics, "topics");
    Objects.requireNonNull(applicationId, "applicationId");
    Objects.requireNonNull(modelsDir, "modelsDir");
    Objects.requireNonNull(httpHost, "httpHost");
    clientProperties = Map.copyOf(clientProperties);
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(worker, "worker");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(topology, "topology");
    if (partitions <= 0) {
      throw new IllegalArgumentException("partitions must be positive, got " + partitions);
    }
    if (httpPort < 0 || httpPort > 65535) {
      throw new IllegalArgumentException("http port out of range: " + httpPort);
    }
  }

  /** A configuration with every default, for the given broker and models folder. */
  public static StreamConfig defaults(String bootstrapServers, Path modelsDir) {
    TopicNames topics = TopicNames.defaults();
    return new StreamConfig(bootstrapServers, topics, topics.prefix() + "topology", 3, (short) -1, modelsDir,
        "127.0.0.1", DEFAULT_HTTP_PORT, null, Map.of(), ValidationLimits.defaults(), WorkerSettings.defaults(), Role.ALL,
        TopologySettings.defaults());
  }

  /** A copy with another HTTP endpoint. */
  public StreamConfig withHttp(String host, int port) {
    return new StreamConfig(bootstrapServers, topics, applicationId, partitions, replicationFactor, modelsDir, host,
        port, stateDir, clientProperties, limits, worker, role, topology);
  }

  /** A copy with other topic names and topology application id. */
  public StreamConfig withTopics(TopicNames names, String appId) {
    return new StreamConfig(bootstrapServers, names, appId, partitions, replicationFactor, modelsDir, httpHost,
        httpPort, stateDir, clientProperties, limits, worker, role, topology);
  }

  /** A copy with other topic partitions and replication factor. */
  public StreamConfig withTopicLayout(int partitionCount, short replication) {
    return new StreamConfig(bootstrapServers, topics, applicationId, partitionCount, replication, modelsDir, httpHost,
        httpPort, stateDir, clientProperties, limits, worker, role, topology);
  }

  /** A copy with other validation bounds. */
  public StreamConfig withLimits(ValidationLimits newLimits) {
    return new StreamConfig(bootstrapServers, topics, applicationId, partitions, replicationFactor, modelsDir,
        httpHost, httpPort, stateDir, clientProperties, newLimits, worker, role, topology);
  }

  /** A copy with other worker settings. */
  public StreamConfig withWorker(WorkerSettings settings) {
    return new StreamConfig(bootstrapServers, topics, applicationId, partitions, replicationFactor, modelsDir,
        httpHost, httpPort, stateDir, clientProperties, limits, settings, role, topology);
  }

  /** A copy with another Streams state directory. */
  public StreamConfig withStateDir(Path dir) {
    return new StreamConfig(bootstrapServers, topics, applicationId, partitions, replicationFactor, modelsDir,
        httpHost, httpPort, dir, clientProperties, limits, worker, role, topology);
  }

  /** A copy with another role. */
  public StreamConfig withRole(Role newRole) {
    return new StreamConfig(bootstrapServers, topics, applicationId, partitions, replicationFactor, modelsDir,
        httpHost, httpPort, stateDir, clientProperties, limits, worker, newRole, topology);
  }

  /** A copy with other Kafka client properties (SASL, TLS, timeouts…). */
  public StreamConfig withClientProperties(Map<String, String> properties) {
    return new StreamConfig(bootstrapServers, topics, applicationId, partitions, replicationFactor, modelsDir,
        httpHost, httpPort, stateDir, properties, limits, worker, role, topology);
  }

  /** A copy with other topology settings. */
  public StreamConfig withTopology(TopologySettings settings) {
    return new StreamConfig(bootstrapServers, topics, applicationId, partitions, replicationFactor, modelsDir,
        httpHost, httpPort, stateDir, clientProperties, limits, worker, role, settings);
  }
}
