package io.signstream.stream.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.schemas.AvroSerde;
import io.signstream.schemas.BaselinePin;
import io.signstream.schemas.TopicNames;
import io.signstream.stream.TestEvents;
import io.signstream.stream.cli.SignStreamCli;
import io.signstream.stream.kafka.EmbeddedKafka;
import io.signstream.stream.kafka.TopicAdmin;
import io.signstream.stream.registry.ModelRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * Pins reach the compacted baselines topic from both entry points: {@code signstream baseline pin} and
 * {@code POST /api/monitoring/baseline} (with its 400/404 answers), on the embedded broker.
 */
class BaselinePinTest {

  @Test
  void theCliAndTheHttpEndpointWritePinsToTheCompactedTopic() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      TopicNames names = new TopicNames("pin.");
      MonitoringTopics topics = MonitoringTopics.of(names);
      Map<String, Object> client = Map.of("bootstrap.servers", kafka.bootstrapServers());
      TopicAdmin.ensureTopics(client, List.of(topics.baselines()), 1, (short) 1,
          Map.of("cleanup.policy", "compact"));

      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      int code = SignStreamCli.run(List.of("baseline", "pin", "--model", "digits_cnn", "--version", "1",
          "--bootstrap", kafka.bootstrapServers(), "--topic-prefix", "pin."), new PrintStream(out), new PrintStream(err));
      assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
      JsonObject printed = new JsonObject(out.toString(StandardCharsets.UTF_8).trim());
      assertEquals("digits_cnn", printed.getString("model"));
      assertEquals("pin.baselines", printed.getString("topic"));
      assertEquals(2, SignStreamCli.run(List.of("baseline", "pin", "--bootstrap", kafka.bootstrapServers()),
          new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream())), "--model is required");

      Vertx vertx = Vertx.vertx();
      try (MonitoringView view = new MonitoringView(client, topics)) {
        Router router = Router.router(vertx);
        new MonitoringRoutes(view, ModelRegistry.load(TestEvents.modelsDir()), client, topics).addTo(router);
        HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
        String url = "http://127.0.0.1:" + server.actualPort() + "/api/monitoring/baseline";
        HttpClient http = HttpClient.newHttpClient();
        assertEquals(202, post(http, url, "{\"model\": \"wonnx_opt_mnist\"}").statusCode());
        assertEquals(404, post(http, url, "{\"model\": \"resnet50\"}").statusCode());
        assertEquals(400, post(http, url, "not json").statusCode());
        assertEquals(400, post(http, url, "{\"version\": \"1\"}").statusCode());
        assertEquals(413, post(http, url, "{\"model\": \"" + "x".repeat(MonitoringRoutes.MAX_BODY_BYTES) + "\"}").statusCode());
      } finally {
        vertx.close().await(10, TimeUnit.SECONDS);
      }

      List<ConsumerRecord<String, byte[]>> pins = new ArrayList<>();
      try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers",
          kafka.bootstrapServers(), "enable.auto.commit", false), new StringDeserializer(), new ByteArrayDeserializer())) {
        TopicPartition tp = new TopicPartition(topics.baselines(), 0);
        consumer.assign(List.of(tp));
        consumer.seekToBeginning(List.of(tp));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (pins.size() < 2 && System.nanoTime() < deadline) {
          consumer.poll(Duration.ofMillis(200)).forEach(pins::add);
        }
      }
      assertEquals(2, pins.size(), "one pin from the CLI, one from HTTP; the refused requests wrote nothing");
      BaselinePin cli = AvroSerde.forClass(BaselinePin.class).decode(pins.get(0).value());
      assertEquals(BaselinePins.key("digits_cnn", "1"), pins.get(0).key());
      assertEquals("1", cli.getModelVersion());
      assertEquals("cli", cli.getRequestedBy());
      assertEquals(printed.getLong("pinnedAt"), cli.getPinnedAt().toEpochMilli());
      BaselinePin http = AvroSerde.forClass(BaselinePin.class).decode(pins.get(1).value());
      assertEquals(BaselinePins.key("wonnx_opt_mnist", null), pins.get(1).key());
      assertNull(http.getModelVersion(), "no version: every version of the model");
      assertEquals("http", http.getRequestedBy());
      assertTrue(!http.getPinnedAt().isBefore(cli.getPinnedAt()));
    }
  }

  private static HttpResponse<String> post(HttpClient http, String url, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofString(body))
        .header("content-type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
  }
}
