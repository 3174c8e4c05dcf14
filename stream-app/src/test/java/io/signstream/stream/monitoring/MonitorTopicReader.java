package io.signstream.stream.monitoring;

import io.signstream.schemas.AvroSerde;
import io.signstream.schemas.ExplanationAlert;
import io.signstream.schemas.ExplanationStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Reads the stats and alerts topics from the beginning, read_committed, for tests. */
final class MonitorTopicReader implements AutoCloseable {

  final List<ExplanationStats> stats = new ArrayList<>();
  final List<ExplanationAlert> alerts = new ArrayList<>();
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final MonitoringTopics topics;

  MonitorTopicReader(String bootstrap, MonitoringTopics topics) {
    this.topics = topics;
    consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap, "isolation.level", "read_committed",
        "enable.auto.commit", false), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> parts = new ArrayList<>();
    for (String t : topics.streams()) {
      consumer.partitionsFor(t).forEach(p -> parts.add(new TopicPartition(t, p.partition())));
    }
    consumer.assign(parts);
    consumer.seekToBeginning(parts);
  }

  boolean pollUntil(BooleanSupplier done, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.getAsBoolean() && System.nanoTime() < deadline) {
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
        if (r.topic().equals(topics.stats())) {
          stats.add(AvroSerde.forClass(ExplanationStats.class).decode(r.value()));
        } else {
          alerts.add(AvroSerde.forClass(ExplanationAlert.class).decode(r.value()));
        }
      }
    }
    return done.getAsBoolean();
  }

  @Override
  public void close() {
    consumer.close();
  }
}
