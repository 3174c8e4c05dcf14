package io.signstream.stream.http;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.signstream.stream.TestEvents;
import io.signstream.stream.registry.ModelLoadStatus;
import io.signstream.stream.registry.ModelRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A taken HTTP port fails the start with a message that names the port and the setting that chooses another. */
class HttpPortTest {

  @Test
  void aTakenPortIsNamedWithTheFix() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      HttpVerticle http = new HttpVerticle("127.0.0.1", taken.getLocalPort(), ModelRegistry.load(TestEvents.modelsDir()),
          new ModelLoadStatus(),
          new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), JsonObject::new, null);
      Exception e = assertThrows(Exception.class, () -> vertx.deployVerticle(http).await(30, TimeUnit.SECONDS));
      String message = e.getMessage();
      assertTrue(message.contains("HTTP port " + taken.getLocalPort()), message);
      assertTrue(message.contains("http.port") && message.contains("0 for any free port"), message);
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }
}
