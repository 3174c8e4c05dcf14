package io.signstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.dashboard.messages.ExplanationMessage;
import io.signstream.engine.api.ExplainException;
import io.signstream.engine.method.MethodNames;
import io.signstream.engine.method.MethodParams;
import io.signstream.schemas.DeadLetter;
import io.signstream.schemas.ErrorCode;
import io.signstream.schemas.Explanation;
import io.signstream.schemas.Layout;
import io.signstream.schemas.TensorCodec;
import io.signstream.schemas.TopicNames;
import io.signstream.stream.config.StreamConfig;
import io.signstream.stream.config.WorkerSettings;
import io.signstream.stream.kafka.EmbeddedKafka;
import io.signstream.stream.worker.ComputerFactory;
import io.signstream.stream.worker.EventBusAddresses;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole pipeline against a real (embedded) broker with the real engine: every request ends in
 * one explanation per method or in exactly one dead letter, read_committed, nothing lost or repeated,
 * also when the workers are stopped and restarted mid-stream.
 */
class PipelineTest {

  private static EmbeddedKafka kafka;

  @BeforeAll
  static void startKafka() {
    kafka = EmbeddedKafka.start();
  }

  @AfterAll
  static void stopKafka() {
    kafka.close();
  }

  /** gradient plus an LRP-ε method when the engine has LRP, else gradient × input. */
  static List<String> methods() {
    try {
      MethodNames.parse("lrp_epsilon_0_1", MethodParams.empty());
      return List.of("gradient", "lrp_epsilon_0_1");
    } catch (ExplainException e) {
      return List.of("gradient", "input_t_gradient");
    }
  }

  private static StreamConfig config(String prefix) {
    return StreamConfig.defaults(kafka.bootstrapServers(), TestEvents.modelsDir())
        .withTopics(new TopicNames(prefix), prefix + "topology")
        .withTopicLayout(2, (short) 1)
        .withHttp("127.0.0.1", 0)
        .withLimits(io.signstream.stream.config.ValidationLimits.defaults().withMaxTensorBytes(64 * 1024))
        .withWorker(WorkerSettings.defaults().withEngines(List.of("pytorch"), 1).withBatching(64, 5, 1024));
  }

  @Test
  void everyRequestEndsInItsExplanationsOrOneDeadLetter() throws Exception {
    StreamConfig config = config("p1.");
    List<String> methods = methods();
    int valid = 120;
    try (Pipeline pipeline = Pipeline.start(config, ComputerFactory.engine(), null);
        KafkaProducer<byte[], byte[]> producer = producer();
        TopicReader reader = new TopicReader(kafka.bootstrapServers(), config.topics().explanations(),
            config.topics().deadLetter())) {
      List<ExplanationMessage> bus = new CopyOnWriteArrayList<>();
      List<JsonObject> busDead = new CopyOnWriteArrayList<>();
      pipeline.vertx().eventBus().<ExplanationMessage>consumer(EventBusAddresses.EXPLANATIONS, m -> bus.add(m.body()));
      pipeline.vertx().eventBus().<JsonObject>consumer(EventBusAddresses.DEAD_LETTERS, m -> busDead.add(m.body()));

      List<byte[]> malformed = malformed();
      long start = System.nanoTime();
      int m = 0;
      for (int i = 0; i < valid; i++) {
        send(producer, config, TestEvents.bytes(TestEvents.digitsEvent("ok-" + i, i, methods)
            .setTarget(i % 3 == 0 ? i % 10 : null).build()));
        if (i % 20 == 0 && m < malformed.size()) {
          send(producer, config, malformed.get(m++));
        }
      }
      while (m < malformed.size()) {
        send(producer, config, malformed.get(m++));
      }
      producer.flush();
      int expected = valid * methods.size();
      assertTrue(reader.pollUntil(() -> reader.explanations.size() >= expected
          && reader.deadLetters.size() >= malformed.size(), Duration.ofSeconds(120)),
          "got " + reader.explanations.size() + "/" + expected + " explanations, " + reader.deadLetters.size() + "/"
              + malformed.size() + " dead letters");
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf("pipeline test: %d events (%d maps + %d dead letters) in %.2f s = %.0f events/s, %.0f maps/s%n",
          valid + malformed.size(), expected, malformed.size(), seconds, (valid + malformed.size()) / seconds,
          expected / seconds);
      reader.poll(Duration.ofSeconds(2)); // anything extra would show up now

      assertEquals(expected, reader.explanations.size());
      Set<String> pairs = reader.explanations.stream().map(e -> e.getEventId() + "/" + e.getMethod())
          .collect(Collectors.toSet());
      assertEquals(expected, pairs.size(), "duplicated explanations");
      for (Explanation e : reader.explanations) {
        assertEquals(List.of(1L, 1L, 16L, 16L), e.getRelevance().getShape());
        assertEquals("pytorch", e.getEngine());
        int i = Integer.parseInt(e.getEventId().substring(3));
        if (i % 3 == 0) {
          assertEquals(i % 10, e.getTarget());
        }
        float[] r = TensorCodec.toFloatArray(e.getRelevance());
        assertEquals(e.getSummary().getMax(), max(r), 1e-6);
      }
      assertEquals(malformed.size(), reader.deadLetters.size());
      Set<ErrorCode> codes = new HashSet<>();
      for (DeadLetter d : reader.deadLetters) {
        codes.add(d.getErrorCode());
      }
      assertEquals(Set.of(ErrorCode.UNDECODABLE, ErrorCode.BAD_SHAPE, ErrorCode.NON_FINITE, ErrorCode.UNKNOWN_MODEL,
          ErrorCode.UNKNOWN_METHOD, ErrorCode.TOO_LARGE), codes);

      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while ((bus.size() < expected || busDead.size() < malformed.size()) && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertEquals(expected, bus.size(), "event-bus explanations");
      assertEquals(malformed.size(), busDead.size(), "event-bus dead letters");
      assertEquals(expected, pipeline.metrics().count("signstream.explanations.out"));

      checkHttp(pipeline.httpPort());
    }
  }

  @Test
  void workersStoppedMidStreamAndRestartedGiveTheSameTotals() throws Exception {
    // small batches and a small in-flight bound: many transactions, and the consumer pauses often
    StreamConfig config = config("p2.").withWorker(WorkerSettings.defaults().withEngines(List.of("pytorch"), 1)
        .withBatching(8, 5, 16));
    List<String> methods = List.of("gradient");
    int total = 400;
    try (Pipeline pipeline = Pipeline.start(config, ComputerFactory.engine(), null);
        KafkaProducer<byte[], byte[]> producer = producer();
        TopicReader reader = new TopicReader(kafka.bootstrapServers(), config.topics().explanations(),
            config.topics().deadLetter())) {
      // requests keep arriving while the workers stop and start again
      Thread feeder = new Thread(() -> {
        for (int i = 0; i < total; i++) {
          send(producer, config, TestEvents.bytes(TestEvents.digitsEvent("r-" + i, i, methods).build()));
          if (i % 10 == 9) {
            producer.flush();
            sleep(100);
          }
        }
        producer.flush();
      }, "feeder");
      feeder.start();
      assertTrue(reader.pollUntil(() -> reader.explanations.size() >= 40, Duration.ofSeconds(60)));
      int seenAtStop = reader.explanations.size();
      long t0 = System.nanoTime();
      pipeline.stopWorkers("pytorch");
      System.out.printf("stopWorkers took %d ms%n", (System.nanoTime() - t0) / 1_000_000);
      reader.poll(Duration.ofMillis(300));
      pipeline.startWorkers("pytorch");
      feeder.join();
      System.out.printf("restart test: workers stopped after %d of %d explanations were read%n", seenAtStop, total);
      assertTrue(reader.pollUntil(() -> reader.explanations.size() >= total, Duration.ofSeconds(120)),
          "got " + reader.explanations.size() + "/" + total);
      reader.poll(Duration.ofSeconds(2));
      assertEquals(total, reader.explanations.size());
      assertEquals(total, reader.explanations.stream().map(Explanation::getEventId).distinct().count());
      assertEquals(0, reader.deadLetters.size());
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** One of each malformed kind the brief names. */
  private static List<byte[]> malformed() {
    List<byte[]> out = new ArrayList<>();
    out.add(new byte[] {0x13, 0x37, 1, 2, 3});
    out.add(TestEvents.bytes(TestEvents.digitsEvent("bad-shape", 0, List.of("gradient"))
        .setInput(TensorCodec.fromFloats(new float[28 * 28], new long[] {1, 1, 28, 28}, Layout.NCHW)).build()));
    float[] nan = TestEvents.digit(1).data().clone();
    nan[5] = Float.NaN;
    out.add(TestEvents.bytes(TestEvents.digitsEvent("nan", 1, List.of("gradient"))
        .setInput(TensorCodec.fromFloats(nan, new long[] {1, 1, 16, 16}, Layout.NCHW)).build()));
    out.add(TestEvents.bytes(TestEvents.digitsEvent("no-model", 2, List.of("gradient")).setModelId("resnet9000").build()));
    out.add(TestEvents.bytes(TestEvents.digitsEvent("no-method", 3, List.of("gradient", "magic")).build()));
    out.add(TestEvents.bytes(TestEvents.digitsEvent("huge", 0, List.of("gradient"))
        .setInput(TensorCodec.fromFloats(new float[256 * 100], new long[] {100, 1, 16, 16}, Layout.NCHW)).build()));
    return out;
  }

  private static void checkHttp(int port) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, health.statusCode(), health.body());
    assertEquals("UP", new JsonObject(health.body()).getString("status"));
    String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    for (String name : List.of("signstream_events_in_total", "signstream_explanations_out_total",
        "signstream_dead_letters_total", "signstream_batch_size", "signstream_queue_latency_seconds_bucket",
        "signstream_compute_latency_seconds_bucket")) {
      assertTrue(metrics.contains(name), name + " missing from /metrics");
    }
    assertTrue(metrics.contains("code=\"UNDECODABLE\""));
    String models = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/models")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    assertTrue(models.contains("\"digits_cnn\"") && models.contains("\"wonnx_opt_mnist\""), models);
    assertTrue(!models.contains("/tmp/"), "absolute paths leak: " + models);
  }

  private static KafkaProducer<byte[], byte[]> producer() {
    return new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(), "linger.ms", 2),
        new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static void send(KafkaProducer<byte[], byte[]> p, StreamConfig c, byte[] value) {
    p.send(new ProducerRecord<>(c.topics().requests(), value));
  }

  private static double max(float[] r) {
    double m = Double.NEGATIVE_INFINITY;
    for (float v : r) {
      m = Math.max(m, v);
    }
    return m;
  }
}
