package io.signstream.stream.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

  @TempDir
  Path dir;

  @Test
  void readsAFileAndPassesKafkaSettingsThrough() throws Exception {
    Path file = dir.resolve("signstream.properties");
    Files.writeString(file, String.join("\n",
        "bootstrap.servers=b1:9092,b2:9092",
        "topic.prefix=prod.",
        "models.dir=models",
        "http.port=9090",
        "topic.replication.factor=3",
        "limits.max.batch=16",
        "worker.engines=pytorch",
        "worker.max.wait.ms=20",
        "kafka.security.protocol=SASL_SSL",
        "kafka.sasl.mechanism=PLAIN"));
    StreamConfig c = ConfigLoader.load(file);
    assertEquals("b1:9092,b2:9092", c.bootstrapServers());
    assertEquals("prod.requests", c.topics().requests());
    assertEquals("prod.topology", c.applicationId());
    assertEquals(dir.resolve("models").toAbsolutePath(), c.modelsDir().toAbsolutePath());
    assertEquals(9090, c.httpPort());
    assertEquals("127.0.0.1", c.httpHost());
    assertEquals(3, c.replicationFactor());
    assertEquals(16, c.limits().maxBatch());
    assertEquals(ValidationLimits.defaults().maxTensorBytes(), c.limits().maxTensorBytes());
    assertEquals(List.of("pytorch"), c.worker().engines());
    assertEquals(20, c.worker().maxWaitMillis());
    assertEquals(Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "PLAIN"), c.clientProperties());
    assertNull(c.stateDir());
  }

  @Test
  void refusesTyposMissingBootstrapAndBadNumbers() {
    Properties p = new Properties();
    p.put("bootstrap.servers", "x:1");
    p.put("http.prot", "1");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ConfigLoader.fromProperties(p, dir));
    assertTrue(e.getMessage().contains("http.prot"));
    assertThrows(IllegalArgumentException.class, () -> ConfigLoader.fromProperties(new Properties(), dir));
    Properties bad = new Properties();
    bad.put("bootstrap.servers", "x:1");
    bad.put("worker.max.batch", "many");
    assertThrows(IllegalArgumentException.class, () -> ConfigLoader.fromProperties(bad, dir));
    Properties zero = new Properties();
    zero.put("bootstrap.servers", "x:1");
    zero.put("limits.max.tensor.bytes", "0");
    assertThrows(IllegalArgumentException.class, () -> ConfigLoader.fromProperties(zero, dir));
  }

  @Test
  void aWorkerTakesAnyFreeHttpPortUnlessOneIsSet() {
    java.nio.file.Path dir = java.nio.file.Path.of(".");
    Properties p = new Properties();
    p.setProperty("bootstrap.servers", "b:9092");
    assertEquals(8080, ConfigLoader.fromProperties(p, dir).httpPort());
    p.setProperty("role", "worker");
    assertEquals(0, ConfigLoader.fromProperties(p, dir).httpPort());
    p.setProperty("http.port", "9191");
    assertEquals(9191, ConfigLoader.fromProperties(p, dir).httpPort());
  }
}
