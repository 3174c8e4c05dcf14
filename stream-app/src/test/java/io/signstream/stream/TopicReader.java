package io.signstream.stream;

import io.signstream.schemas.AvroSerde;
import io.signstream.schemas.DeadLetter;
import io.signstream.schemas.Explanation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Reads the explanations and dead-letter topics from the beginning, read_committed, for tests. */
final class TopicReader implements AutoCloseable {

  private static final AvroSerde<Explanation> EXPLANATIONS = AvroSerde.explanation();
  private static final AvroSerde<DeadLetter> DEAD_LETTERS = AvroSerde.deadLetter();

  final List<Explanation> explanations = new ArrayList<>();
  final List<DeadLetter> deadLetters = new ArrayList<>();
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final String explanationsTopic;

  TopicReader(String bootstrap, String explanationsTopic, String deadLetterTopic) {
    this.explanationsTopic = explanationsTopic;
    consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap, "isolation.level", "read_committed",
        "enable.auto.commit", false), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> parts = new ArrayList<>();
    for (String t : List.of(explanationsTopic, deadLetterTopic)) {
      consumer.partitionsFor(t).forEach(p -> parts.add(new TopicPartition(t, p.partition())));
    }
    consumer.assign(parts);
    consumer.seekToBeginning(parts);
  }

  /** Polls until {@code done} or the timeout; returns whether {@code done} held. */
  boolean pollUntil(BooleanSupplier done, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.getAsBoolean() && System.nanoTime() < deadline) {
      poll(Duration.ofMillis(100));
    }
    return done.getAsBoolean();
  }

  void poll(Duration d) {
    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(d)) {
      if (r.topic().equals(explanationsTopic)) {
        explanations.add(EXPLANATIONS.decode(r.value()));
      } else {
        deadLetters.add(DEAD_LETTERS.decode(r.value()));
      }
    }
  }

  @Override
  public void close() {
    consumer.close();
  }
}
