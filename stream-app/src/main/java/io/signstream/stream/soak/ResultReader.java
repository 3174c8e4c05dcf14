package io.signstream.stream.soak;

import io.signstream.schemas.AvroSerde;
import io.signstream.schemas.Explanation;
import io.signstream.schemas.TopicNames;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A downstream consumer of the explanations and dead letters (read_committed, no group), on its own
 * thread, feeding the current {@link PhaseStats}. Its consume time is the end of the end-to-end
 * latency: what an application reading the results would see.
 */
final class ResultReader implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ResultReader.class);

  private final AvroSerde<Explanation> serde = AvroSerde.explanation();
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final String explanations;
  private final Thread thread;
  private volatile PhaseStats phase;
  private volatile boolean stopped;

  ResultReader(Map<String, Object> clientProps, TopicNames topics) {
    Map<String, Object> p = new java.util.HashMap<>(clientProps);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "signstream-soak-reader");
    consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    explanations = topics.explanations();
    List<TopicPartition> parts = new ArrayList<>();
    for (String t : List.of(topics.explanations(), topics.deadLetter())) {
      consumer.partitionsFor(t, Duration.ofSeconds(30)).forEach(i -> parts.add(new TopicPartition(t, i.partition())));
    }
    consumer.assign(parts);
    consumer.seekToEnd(parts);
    parts.forEach(consumer::position); // resolve "end" now, before the first request is sent
    thread = new Thread(this::loop, "signstream-soak-reader");
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** Attributes what arrives from now on to {@code stats}. */
  void phase(PhaseStats stats) {
    this.phase = stats;
  }

  private void loop() {
    while (!stopped) {
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
        long now = System.currentTimeMillis();
        PhaseStats stats = phase;
        if (stats == null) {
          continue;
        }
        if (!r.topic().equals(explanations)) {
          stats.deadLetter();
          continue;
        }
        try {
          Explanation e = serde.decode(r.value());
          long seq = RequestSource.seqOf(e.getEventId());
          if (seq >= 0) {
            stats.explanation(seq, e.getMethod(), RequestSource.sentAtOf(e.getEventId()),
                e.getProducedAt().toEpochMilli(), now);
          }
        } catch (SerializationException ex) {
          LOG.warn("soak reader: undecodable explanation at {}-{}@{}", r.topic(), r.partition(), r.offset());
        }
      }
    }
    consumer.close(Duration.ofSeconds(2));
  }

  @Override
  public void close() {
    stopped = true;
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
