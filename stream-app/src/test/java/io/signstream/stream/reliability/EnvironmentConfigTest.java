package io.signstream.stream.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.stream.cli.SignStreamCli;
import io.signstream.stream.config.ConfigLoader;
import io.signstream.stream.config.Role;
import io.signstream.stream.config.StreamConfig;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Containers configure SignStream through SIGNSTREAM_* and KAFKA_* environment variables. */
class EnvironmentConfigTest {

  @TempDir
  Path dir;

  @Test
  void everyKeyHasAVariableAndBack() {
    for (String key : ConfigLoader.knownKeys()) {
      String variable = ConfigLoader.variableOf(key);
      assertTrue(variable.startsWith("SIGNSTREAM_") && variable.equals(variable.toUpperCase()), variable);
      assertEquals(Optional.of(key), ConfigLoader.keyOf(variable));
    }
    assertEquals("SIGNSTREAM_BOOTSTRAP_SERVERS", ConfigLoader.variableOf("bootstrap.servers"));
    assertEquals("KAFKA_SASL_JAAS_CONFIG", ConfigLoader.variableOf("kafka.sasl.jaas.config"));
    assertEquals(Optional.of("kafka.sasl.jaas.config"), ConfigLoader.keyOf("KAFKA_SASL_JAAS_CONFIG"));
    assertEquals(Optional.empty(), ConfigLoader.keyOf("KAFKA_HEAP_OPTS"), "JVM options of Kafka's scripts");
    assertEquals(Optional.empty(), ConfigLoader.keyOf("SIGNSTREAM_JAVA_OPTS"));
    assertEquals(Optional.empty(), ConfigLoader.keyOf("SIGNSTREAM_PORT"), "Kubernetes' service variables");
    assertEquals(Optional.empty(), ConfigLoader.keyOf("PATH"));
  }

  @Test
  void theEnvironmentAloneConfiguresADeployment() {
    Map<String, String> env = Map.of(
        "SIGNSTREAM_BOOTSTRAP_SERVERS", "kafka:9092",
        "SIGNSTREAM_TOPIC_PREFIX", "prod.",
        "SIGNSTREAM_MODELS_DIR", "/srv/models",
        "SIGNSTREAM_ROLE", "worker",
        "SIGNSTREAM_HTTP_PORT", "8081",
        "SIGNSTREAM_WORKER_MAX_WAIT_MS", "7",
        "KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
        "KAFKA_SASL_MECHANISM", "PLAIN",
        "SIGNSTREAM_UNHEARD_OF", "warned about, not fatal",
        "HOME", "/root");
    StreamConfig c = ConfigLoader.fromEnvironment(env, dir);
    assertEquals("kafka:9092", c.bootstrapServers());
    assertEquals("prod.", c.topics().prefix());
    assertEquals(Path.of("/srv/models"), c.modelsDir());
    assertEquals(Role.WORKER, c.role());
    assertEquals(8081, c.httpPort());
    assertEquals(7, c.worker().maxWaitMillis());
    assertEquals(Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "PLAIN"), c.clientProperties());
    assertEquals(dir.resolve("models"), ConfigLoader.fromEnvironment(Map.of("SIGNSTREAM_BOOTSTRAP_SERVERS", "k:1"),
        dir).modelsDir(), "models/ under the working directory by default");
  }

  @Test
  void theEnvironmentOverridesTheFile() throws Exception {
    Path file = dir.resolve("signstream.properties");
    Files.writeString(file, "bootstrap.servers=file:9092\ntopic.prefix=file.\nrole=topology\nkafka.acks=all\n");
    StreamConfig c = ConfigLoader.load(file, Map.of("SIGNSTREAM_BOOTSTRAP_SERVERS", "env:9092", "KAFKA_ACKS", "1"));
    assertEquals("env:9092", c.bootstrapServers());
    assertEquals("file.", c.topics().prefix());
    assertEquals(Role.TOPOLOGY, c.role());
    assertEquals("1", c.clientProperties().get("acks"));
    assertEquals(Role.ALL, ConfigLoader.load(file, Map.of()).withRole(Role.ALL).role());
  }

  @Test
  void badValuesAndAMissingBootstrapAreRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ConfigLoader.fromEnvironment(Map.of("SIGNSTREAM_TOPIC_PREFIX", "x."), dir));
    assertTrue(e.getMessage().contains("bootstrap.servers is required"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ConfigLoader.fromEnvironment(
        Map.of("SIGNSTREAM_BOOTSTRAP_SERVERS", "k:1", "SIGNSTREAM_ROLE", "boss"), dir));
    assertTrue(e.getMessage().contains("role must be all, topology or worker"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ConfigLoader.fromEnvironment(
        Map.of("SIGNSTREAM_BOOTSTRAP_SERVERS", "k:1", "SIGNSTREAM_HTTP_PORT", "eighty"), dir));
    assertTrue(e.getMessage().contains("http.port"), e.getMessage());
  }

  @Test
  void theCommandLineListsTheNewSubcommandsAndRunNeedsAConfiguration() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(0, SignStreamCli.run(List.of("help"), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(OutputStream.nullOutputStream())));
    String help = out.toString(StandardCharsets.UTF_8);
    for (String command : List.of("worker", "soak", "loadtest")) {
      assertTrue(help.contains("  " + command + " "), help);
    }
    assertFalse(System.getenv().containsKey("SIGNSTREAM_BOOTSTRAP_SERVERS"));
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertEquals(2, SignStreamCli.run(List.of("worker"), new PrintStream(OutputStream.nullOutputStream()),
        new PrintStream(err, true, StandardCharsets.UTF_8)));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("SIGNSTREAM_BOOTSTRAP_SERVERS"));
    assertEquals(2, SignStreamCli.run(List.of("run", "--role", "boss", "--config", "x"),
        new PrintStream(OutputStream.nullOutputStream()), new PrintStream(OutputStream.nullOutputStream())),
        "a bad role is a usage error");
  }
}
