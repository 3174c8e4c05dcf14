package io.signstream.stream.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.signstream.stream.cli.Subcommands;
import io.signstream.stream.config.ConfigLoader;
import io.signstream.stream.config.Role;
import io.signstream.stream.config.StreamConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * No Docker engine runs in the build, so the container files are checked as data: the compose file's
 * services (a single-node KRaft broker, the app, a scalable worker), that every variable it gives the
 * app and the workers is one {@link ConfigLoader} reads (and that the required ones are there), and
 * that the Dockerfile builds and warms up what the image needs.
 */
class ComposeFileTest {

  private static final Path DOCKER = Path.of("..", "docker");
  private static JsonNode services;

  @BeforeAll
  static void read() throws IOException {
    JsonNode compose = new ObjectMapper(new YAMLFactory()).readTree(DOCKER.resolve("compose.yaml").toFile());
    services = compose.path("services");
  }

  @Test
  void kafkaIsASingleNodeKraftBrokerWithSingleReplicaInternalTopics() {
    JsonNode kafka = services.path("kafka");
    assertTrue(kafka.path("image").asText().startsWith("apache/kafka:"), kafka.path("image").asText());
    Map<String, String> env = environment(kafka);
    assertEquals(Set.of("broker", "controller"), Set.of(env.get("KAFKA_PROCESS_ROLES").split(",")));
    assertEquals(1, env.get("KAFKA_CONTROLLER_QUORUM_VOTERS").split(",").length);
    for (String key : List.of("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
        "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR")) {
      assertEquals("1", env.get(key), key);
    }
    assertTrue(env.get("KAFKA_ADVERTISED_LISTENERS").contains("kafka:9092"));
  }

  @Test
  void appAndWorkerAreConfiguredOnlyWithVariablesTheLoaderReads() {
    for (String name : List.of("app", "worker")) {
      Map<String, String> env = environment(services.path(name));
      for (String variable : env.keySet()) {
        assertTrue(ConfigLoader.keyOf(variable).isPresent(), name + ": " + variable + " is not read by ConfigLoader");
      }
      for (String required : ConfigLoader.REQUIRED_ENV) {
        assertTrue(env.containsKey(required), name + " does not set " + required);
      }
      StreamConfig c = ConfigLoader.fromEnvironment(env, Path.of("/opt/signstream"));
      assertEquals("kafka:9092", c.bootstrapServers(), name);
      assertEquals("0.0.0.0", c.httpHost(), name + " must listen beyond the container's loopback");
    }
    StreamConfig app = ConfigLoader.fromEnvironment(environment(services.path("app")), Path.of("/"));
    StreamConfig worker = ConfigLoader.fromEnvironment(environment(services.path("worker")), Path.of("/"));
    assertEquals(Role.TOPOLOGY, app.role());
    assertEquals(Role.WORKER, worker.role());
    assertEquals(app.topics(), worker.topics(), "app and workers must share the topics");
    assertEquals(app.partitions(), worker.partitions());
    assertEquals(List.of(app.httpPort() + ":" + app.httpPort()), texts(services.path("app").path("ports")));
  }

  @Test
  void theWorkerScales() {
    JsonNode worker = services.path("worker");
    assertTrue(worker.path("container_name").isMissingNode(), "a fixed container name prevents --scale");
    assertTrue(worker.path("ports").isMissingNode(), "a published host port prevents --scale");
    assertTrue(worker.path("hostname").isMissingNode(), "replicas need distinct host names");
    assertTrue(worker.path("deploy").path("replicas").asInt(0) >= 1, "deploy.replicas");
    assertEquals(services.path("app").path("image").asText(), worker.path("image").asText(), "one image");
    for (String name : List.of("app", "worker")) {
      JsonNode command = services.path(name).path("command");
      assertNotNull(Subcommands.find(command.get(0).asText()), name + ": " + command);
      assertEquals("kafka", services.path(name).path("depends_on").fieldNames().next());
    }
  }

  @Test
  void theDockerfileBuildsThenRunsOfflineWithNativesExtractedAtBuildTime() throws Exception {
    String dockerfile = Files.readString(DOCKER.resolve("Dockerfile"));
    assertTrue(dockerfile.contains("FROM maven:3-eclipse-temurin-17 AS build"));
    assertTrue(dockerfile.contains("FROM eclipse-temurin:17-jre"));
    assertTrue(dockerfile.matches("(?s).*mvn -B .*-DskipTests.* install.*"));
    assertTrue(dockerfile.contains("/src/stream-app/target/stream-app.jar") && dockerfile.contains(
        "/src/stream-app/target/lib"));
    assertTrue(dockerfile.contains("DJL_OFFLINE=true") && dockerfile.contains("-Dai.djl.offline=true"));
    // the kernels the launcher and the tests use (README, "Correct numbers on every CPU")
    assertTrue(dockerfile.contains("TF_ENABLE_ONEDNN_OPTS=0"));
    assertFalse(dockerfile.contains("    ONEDNN_MAX_CPU_ISA="), "libtorch runs all its kernels, as in the launcher");
    assertTrue(dockerfile.contains("\"-XX:TieredStopAtLevel=1\""), "the image runs the pipeline with C1 only, as the launcher");
    assertTrue(dockerfile.contains("\"-XX:+AlwaysPreTouch\""), "the image touches its heap at start, as the launcher");
    // the classes and subcommands the build-time warm-up calls exist
    for (String main : List.of("io.signstream.engine.backend.TensorFlowNatives", "io.signstream.stream.cli.SignStreamCli")) {
      assertTrue(dockerfile.contains(main), main);
      Class.forName(main).getMethod("main", String[].class);
    }
    assertNotNull(Subcommands.find("explain"));
    assertTrue(dockerfile.contains("models/digits_cnn/digits_cnn.onnx")
        && Files.exists(Path.of("src/main/resources/demo/digits_cnn/digits_cnn.onnx")));
    assertTrue(Files.exists(DOCKER.resolve("Dockerfile.dockerignore")));
    assertFalse(dockerfile.contains("ENV SIGNSTREAM_"), "image defaults would override a mounted --config file");
  }

  @Test
  void theReadmeHasADockerSection() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    assertTrue(readme.contains("\n## Docker\n"), "README.md has no '## Docker' section");
    assertTrue(readme.contains("--scale worker="));
  }

  /** A service's environment, from either compose form (map or list of KEY=VALUE). */
  private static Map<String, String> environment(JsonNode service) {
    JsonNode env = service.path("environment");
    Map<String, String> out = new LinkedHashMap<>();
    if (env.isArray()) {
      for (JsonNode item : env) {
        String[] kv = item.asText().split("=", 2);
        out.put(kv[0], kv.length > 1 ? kv[1] : "");
      }
    } else {
      env.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
    }
    return out;
  }

  private static List<String> texts(JsonNode array) {
    return Optional.ofNullable(array).map(a -> {
      List<String> out = new java.util.ArrayList<>();
      a.forEach(n -> out.add(n.asText()));
      return out;
    }).orElse(List.of());
  }
}
