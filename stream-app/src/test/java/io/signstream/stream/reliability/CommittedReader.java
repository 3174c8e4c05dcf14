package io.signstream.stream.reliability;

import io.signstream.schemas.AvroSerde;
import io.signstream.schemas.DeadLetter;
import io.signstream.schemas.Explanation;
import io.signstream.schemas.TopicNames;
import io.signstream.stream.worker.WorkerHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The reconciling consumer: reads the explanations and dead-letter topics from the beginning with
 * {@code isolation.level=read_committed} and no consumer group, keeping every record and the worker
 * header of each explanation. Not thread-safe: poll it from the test thread.
 */
final class CommittedReader implements AutoCloseable {

  private static final AvroSerde<Explanation> EXPLANATIONS = AvroSerde.explanation();
  private static final AvroSerde<DeadLetter> DEAD_LETTERS = AvroSerde.deadLetter();

  final List<Explanation> explanations = new ArrayList<>();
  final List<String> workers = new ArrayList<>(); // header per explanation, same index
  final List<DeadLetter> deadLetters = new ArrayList<>();
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final String explanationsTopic;

  CommittedReader(Map<String, Object> clientProps, TopicNames topics) {
    Map<String, Object> p = new HashMap<>(clientProps);
    p.put("isolation.level", "read_committed");
    p.put("enable.auto.commit", false);
    p.put("client.id", "reliability-reconciler");
    consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    explanationsTopic = topics.explanations();
    List<TopicPartition> parts = new ArrayList<>();
    for (String t : List.of(topics.explanations(), topics.deadLetter())) {
      consumer.partitionsFor(t, Duration.ofSeconds(30)).forEach(i -> parts.add(new TopicPartition(t, i.partition())));
    }
    consumer.assign(parts);
    consumer.seekToBeginning(parts);
  }

  /** Polls until {@code done} holds or the timeout passes; returns whether it holds. */
  boolean pollUntil(BooleanSupplier done, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.getAsBoolean() && System.nanoTime() < deadline) {
      poll(Duration.ofMillis(100));
    }
    return done.getAsBoolean();
  }

  /** Polls until {@code expected} records were read, then keeps polling {@code quiet} more to catch extras. */
  void readAll(int expectedMaps, int expectedDead, Duration timeout, Duration quiet) {
    pollUntil(() -> explanations.size() >= expectedMaps && deadLetters.size() >= expectedDead, timeout);
    long end = System.nanoTime() + quiet.toNanos();
    while (System.nanoTime() < end) {
      poll(Duration.ofMillis(100));
    }
  }

  void poll(Duration d) {
    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(d)) {
      if (r.topic().equals(explanationsTopic)) {
        explanations.add(EXPLANATIONS.decode(r.value()));
        Header h = r.headers().lastHeader(WorkerHeaders.WORKER);
        workers.add(h == null ? null : new String(h.value(), StandardCharsets.UTF_8));
      } else {
        deadLetters.add(DEAD_LETTERS.decode(r.value()));
      }
    }
  }

  /** Explanations read so far per worker process id (from the worker header). */
  Map<Long, Integer> explanationsPerPid() {
    Map<Long, Integer> out = new HashMap<>();
    for (String w : workers) {
      out.merge(WorkerHeaders.pidOf(w), 1, Integer::sum);
    }
    return out;
  }

  @Override
  public void close() {
    consumer.close(Duration.ofSeconds(5));
  }
}
