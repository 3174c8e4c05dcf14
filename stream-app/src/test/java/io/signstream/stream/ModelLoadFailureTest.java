package io.signstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.engine.npy.NpyArray;
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
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * A model the engine cannot import (an ONNX {@code LRN} node named {@code norm}) on a real broker with the real
 * engine: its request ends in exactly one {@code MODEL_LOAD_FAILED} dead letter naming the op and the node, the
 * pipeline goes on explaining other models, and {@code /api/models} shows the failed load and its reason
 * (issue 10, item 5; both engines are checked at unit level in {@code ModelLoadStatusTest}).
 */
class ModelLoadFailureTest {

  @Test
  void anUnloadableModelGivesOneDeadLetterAndItsReasonOnApiModels() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      StreamConfig config = StreamConfig.defaults(kafka.bootstrapServers(), TestEvents.modelsDirWithUnloadable())
          .withTopics(new TopicNames("lrn."), "lrn.topology")
          .withTopicLayout(1, (short) 1)
          .withHttp("127.0.0.1", 0)
          .withWorker(WorkerSettings.defaults().withEngines(List.of("pytorch"), 1));
      try (Pipeline pipeline = Pipeline.start(config, ComputerFactory.engine(), null);
          KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
              kafka.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer());
          TopicReader reader = new TopicReader(kafka.bootstrapServers(), config.topics().explanations(),
              config.topics().deadLetter())) {
        NpyArray x = TestEvents.digit(0);
        producer.send(new ProducerRecord<>(config.topics().requests(), TestEvents.bytes(TestEvents.event("lrn-1",
            "lrn_cnn", TensorCodec.fromFloats(x.data(), x.shape(), Layout.NCHW), List.of("gradient")).build())));
        producer.flush();
        assertTrue(reader.pollUntil(() -> !reader.deadLetters.isEmpty(), Duration.ofSeconds(120)), "no dead letter");

        producer.send(new ProducerRecord<>(config.topics().requests(),
            TestEvents.bytes(TestEvents.digitsEvent("ok-1", 1, List.of("gradient")).build())));
        producer.flush();
        assertTrue(reader.pollUntil(() -> !reader.explanations.isEmpty(), Duration.ofSeconds(120)),
            "the valid request sent after it was not explained");
        reader.poll(Duration.ofSeconds(2)); // anything extra would show up now

        assertEquals(1, reader.deadLetters.size(), () -> reader.deadLetters.toString());
        DeadLetter letter = reader.deadLetters.get(0);
        assertEquals("lrn-1", letter.getEventId());
        assertEquals(ErrorCode.MODEL_LOAD_FAILED, letter.getErrorCode());
        assertEquals("gradient", letter.getMethod());
        String reason = letter.getReason();
        assertTrue(reason.startsWith("cannot load model 'lrn_cnn' on pytorch: unsupported ONNX op 'LRN' in node"
            + " 'norm'"), reason);
        assertEquals(1, reason.lines().count(), reason);
        assertEquals(1, reader.explanations.size());
        Explanation ok = reader.explanations.get(0);
        assertEquals("ok-1", ok.getEventId());

        JsonArray models = new JsonArray(HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + pipeline.httpPort() + "/api/models")).build(),
            HttpResponse.BodyHandlers.ofString()).body());
        JsonObject lrn = model(models, "lrn_cnn");
        JsonObject failed = lrn.getJsonObject("load").getJsonObject("pytorch");
        assertEquals("FAILED", failed.getString("status"), lrn.encode());
        assertEquals(reason, failed.getString("reason"), "the dead letter's reason is the one on /api/models");
        assertNull(lrn.getJsonObject("load").getJsonObject("tensorflow"), "no tensorflow worker in this process");
        JsonObject digits = model(models, "digits_cnn");
        assertEquals(new JsonObject().put("pytorch", new JsonObject().put("status", "LOADED")),
            digits.getJsonObject("load"), digits.encode());
        assertEquals("1", digits.getString("version"), "the registry's fields are unchanged");
      }
    }
  }

  private static JsonObject model(JsonArray models, String id) {
    for (int i = 0; i < models.size(); i++) {
      if (id.equals(models.getJsonObject(i).getString("id"))) {
        return models.getJsonObject(i);
      }
    }
    throw new AssertionError(id + " not on /api/models: " + models.encode());
  }
}
