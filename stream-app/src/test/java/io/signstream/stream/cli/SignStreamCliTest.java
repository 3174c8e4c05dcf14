package io.signstream.stream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.schemas.AvroSerde;
import io.signstream.schemas.DeadLetter;
import io.signstream.schemas.ErrorCode;
import io.signstream.schemas.InferenceEvent;
import io.signstream.schemas.TensorCodec;
import io.signstream.schemas.TopicNames;
import io.signstream.stream.TestEvents;
import io.signstream.stream.kafka.EmbeddedKafka;
import io.signstream.stream.kafka.TopicAdmin;
import io.signstream.stream.topology.DeadLetters;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

class SignStreamCliTest {

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int cli(String... args) {
    out.reset();
    err.reset();
    return SignStreamCli.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void helpListsTheStreamSubcommandsAndBadUsageExitsWithTwo() {
    assertEquals(0, cli("help"));
    for (String c : List.of("demo", "run", "produce", "consume")) {
      assertTrue(out().contains(c), out());
    }
    assertEquals(0, cli("produce", "--help"));
    assertTrue(out().contains("--model ID"));
    assertEquals(2, cli("frobnicate"));
    assertTrue(err().contains("unknown subcommand"));
    assertEquals(2, cli());
    assertEquals(2, cli("produce", "--model", "m"));
    assertTrue(err().contains("--input is required") || err().contains("is required"), err());
    assertEquals(2, cli("consume", "--colour"));
    assertTrue(err().contains("unknown option --colour"));
    assertEquals(1, cli("run", "--config", "/nonexistent/signstream.properties"));
    assertEquals(1, err().strip().lines().count(), err());
  }

  @Test
  void produceSendsARequestAndConsumePrintsDeadLetters() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      TopicNames topics = new TopicNames("cli.");
      TopicAdmin.ensureTopics(Map.of("bootstrap.servers", kafka.bootstrapServers()), topics.all(), 1, (short) 1);
      String input = TestEvents.modelsDir().resolve("digits_cnn/x2/input.npy").toString();
      assertEquals(0, cli("produce", "--bootstrap", kafka.bootstrapServers(), "--topic-prefix", "cli.", "--model",
          "digits_cnn", "--input", input, "--method", "gradient,input_t_gradient", "--target", "7", "--param", "seed=3",
          "--event-id", "cli-1"), err());
      JsonObject sent = new JsonObject(out().strip());
      assertEquals("cli-1", sent.getString("eventId"));
      assertEquals("cli.requests", sent.getString("topic"));

      InferenceEvent e = readRequest(kafka.bootstrapServers(), topics.requests());
      assertEquals(List.of("gradient", "input_t_gradient"), e.getMethods());
      assertEquals(7, e.getTarget());
      assertEquals(Map.of("seed", "3"), e.getParams());
      assertEquals(TestEvents.digit(2).data()[100], TensorCodec.toFloatArray(e.getInput())[100]);

      DeadLetter d = DeadLetters.DEFAULT.letter("cli.requests", 0, 5, null, new byte[] {1}, ErrorCode.NON_FINITE, "element 3 is NaN",
          "cli-1", null, 42);
      try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
          new ByteArraySerializer(), new ByteArraySerializer())) {
        p.send(new ProducerRecord<>(topics.deadLetter(), AvroSerde.deadLetter().encode(d))).get();
      }
      assertEquals(0, cli("consume", "--dead-letters", "--from-beginning", "--max", "1", "--bootstrap",
          kafka.bootstrapServers(), "--topic-prefix", "cli."), err());
      JsonObject line = new JsonObject(out().strip());
      assertEquals("NON_FINITE", line.getString("errorCode"));
      assertEquals("cli-1", line.getString("eventId"));
      assertEquals(0, cli("consume", "--from-beginning", "--timeout", "1", "--bootstrap", kafka.bootstrapServers(),
          "--topic-prefix", "cli."), err());
      assertEquals("", out().strip());
      kafka.close();
      kafka.close(); // idempotent
    }
  }

  private static InferenceEvent readRequest(String bootstrap, String topic) {
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap),
        new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      TopicPartition tp = new TopicPartition(topic, 0);
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          return AvroSerde.inferenceEvent().decode(r.value());
        }
      }
      throw new AssertionError("no request on " + topic);
    }
  }
}
