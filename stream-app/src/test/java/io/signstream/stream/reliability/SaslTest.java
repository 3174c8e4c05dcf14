package io.signstream.stream.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.stream.Pipeline;
import io.signstream.stream.TestEvents;
import io.signstream.stream.cli.SignStreamCli;
import io.signstream.stream.config.ConfigLoader;
import io.signstream.stream.config.StreamConfig;
import io.signstream.stream.kafka.EmbeddedKafka;
import io.signstream.stream.worker.ComputerFactory;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka client security settings reach every client: against a broker whose listener takes only
 * SASL/PLAIN logins, a deployment configured with {@code kafka.security.protocol},
 * {@code kafka.sasl.mechanism} and {@code kafka.sasl.jaas.config} runs end to end; with a wrong
 * password {@code signstream run} fails at once with a one-line authentication error.
 */
@Tag("reliability")
class SaslTest {

  private static final String USER = "signstream";
  private static final String PASSWORD = "s3cret-pw";
  private static EmbeddedKafka kafka;

  @TempDir
  Path dir;

  @BeforeAll
  static void startBroker() {
    kafka = EmbeddedKafka.startWithSaslPlain(Map.of(USER, PASSWORD, "admin", "admin-pw"), Map.of());
  }

  @AfterAll
  static void stopBroker() {
    kafka.close();
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void eventsFlowThroughASaslPlainListener() throws Exception {
    StreamConfig config = ConfigLoader.fromProperties(properties(PASSWORD), dir);
    assertEquals("SASL_PLAINTEXT", config.clientProperties().get("security.protocol"));
    Ledger ledger = new Ledger();
    List<String> methods = List.of("gradient", "input_t_gradient");
    try (Pipeline pipeline = Pipeline.start(config, ComputerFactory.engine(), null);
        Feeder feeder = new Feeder(Scenario.clients(config), config.topics().requests(), ledger);
        CommittedReader reader = new CommittedReader(Scenario.clients(config), config.topics())) {
      for (int i = 0; i < 40; i++) {
        feeder.valid(TestEvents.digitsEvent("sasl-" + i, i, methods).build());
      }
      feeder.malformed(MalformedInputs.catalogue("sasl", Scenario.LIMITS).get(0));
      feeder.flush();
      assertEquals(0, feeder.failures(), () -> "send failed: " + feeder.firstFailure());
      reader.readAll(ledger.expectedMaps(), ledger.expectedDeadLetters(), Duration.ofSeconds(90), Duration.ofSeconds(1));
      Ledger.Reconciliation r = ledger.reconcile(reader.explanations, reader.deadLetters);
      System.out.printf("RELIABILITY SASL/PLAIN on %s: %s%n", kafka.saslBootstrapServers(), r);
      assertTrue(r.exact(), r.toString());
    }
  }

  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void theListenerRefusesClientsWithoutCredentials() {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.saslBootstrapServers(),
        "request.timeout.ms", 3000, "default.api.timeout.ms", 5000))) {
      Exception e = assertThrows(Exception.class, () -> admin.listTopics().names().get(10, TimeUnit.SECONDS));
      System.out.printf("RELIABILITY SASL listener without credentials: %s%n", e);
    }
  }

  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void aWrongPasswordFailsRunWithAClearAuthenticationError() throws Exception {
    Path file = dir.resolve("wrong.properties");
    try (OutputStream out = Files.newOutputStream(file)) {
      properties("not-the-password").store(out, null);
    }
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    long t0 = System.nanoTime();
    int code = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> SignStreamCli.run(
        List.of("run", "--config", file.toString()), new PrintStream(OutputStream.nullOutputStream()),
        new PrintStream(err, true, StandardCharsets.UTF_8)));
    String message = err.toString(StandardCharsets.UTF_8).trim();
    System.out.printf("RELIABILITY SASL wrong password: exit %d after %.1f s: %s%n", code,
        (System.nanoTime() - t0) / 1e9, message);
    assertEquals(1, code);
    assertEquals(1, message.lines().count(), message);
    assertTrue(message.contains("Kafka authentication failed") && message.contains("Invalid username or password"),
        message);
  }

  /** A {@code signstream run} configuration for the SASL listener with {@code password}. */
  private Properties properties(String password) {
    Properties p = new Properties();
    p.setProperty("bootstrap.servers", kafka.saslBootstrapServers());
    p.setProperty("topic.prefix", "sasl.");
    p.setProperty("topic.partitions", "2");
    p.setProperty("topic.replication.factor", "1");
    p.setProperty("models.dir", TestEvents.modelsDir().toString());
    p.setProperty("http.port", "0");
    p.setProperty("worker.engines", "pytorch");
    p.setProperty("limits.max.tensor.bytes", String.valueOf(Scenario.LIMITS.maxTensorBytes()));
    p.setProperty("limits.max.batch", String.valueOf(Scenario.LIMITS.maxBatch()));
    p.setProperty("limits.max.metadata.entries", String.valueOf(Scenario.LIMITS.maxMetadataEntries()));
    p.setProperty("limits.max.metadata.bytes", String.valueOf(Scenario.LIMITS.maxMetadataBytes()));
    p.setProperty("kafka.security.protocol", "SASL_PLAINTEXT");
    p.setProperty("kafka.sasl.mechanism", "PLAIN");
    p.setProperty("kafka.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required"
        + " username=\"" + USER + "\" password=\"" + password + "\";");
    return p;
  }
}
