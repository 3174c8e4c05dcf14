package io.signstream.stream.worker;

import io.signstream.schemas.AvroSerde;
import io.signstream.schemas.DeadLetter;
import io.signstream.stream.config.StreamConfig;
import io.signstream.stream.kafka.KafkaProps;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.time.Duration;
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
 * Publishes every committed dead letter, from the topology and from the workers alike, on
 * {@link EventBusAddresses#DEAD_LETTERS} (deploy it as a worker verticle).
 *
 * <p>Reading the topic (read_committed, from its end, without a consumer group: every process that
 * runs a dashboard sees all new dead letters) is the one place where both sources meet, and it never
 * shows a dead letter whose transaction was aborted.
 */
public final class DeadLetterFeed extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(DeadLetterFeed.class);

  private final StreamConfig config;
  private final AvroSerde<DeadLetter> serde = AvroSerde.deadLetter();
  private KafkaConsumer<byte[], byte[]> consumer;
  private volatile boolean stopped;

  /** A feed of the dead-letter topic of {@code config}. */
  public DeadLetterFeed(StreamConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    Map<String, Object> p = KafkaProps.common(config);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "signstream-dead-letter-feed");
    consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> partitions = consumer.partitionsFor(config.topics().deadLetter(), Duration.ofSeconds(30))
        .stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    context.runOnContext(v -> next());
    return Future.succeededFuture();
  }

  private void next() {
    if (stopped) {
      return;
    }
    try {
      poll();
    } catch (RuntimeException e) {
      LOG.warn("dead-letter feed: {}", e.toString());
      vertx.setTimer(500, id -> context.runOnContext(v -> next()));
      return;
    }
    context.runOnContext(v -> next());
  }

  private synchronized void poll() {
    if (stopped) {
      return;
    }
    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
      try {
        DeadLetter d = serde.deserializer().deserialize(r.topic(), r.value());
        if (d != null) {
          vertx.eventBus().publish(EventBusAddresses.DEAD_LETTERS, ExplanationJson.deadLetter(d));
        }
      } catch (SerializationException e) {
        LOG.warn("dead-letter topic holds a record that is not a DeadLetter at {}-{}@{}", r.topic(), r.partition(),
            r.offset());
      }
    }
  }

  @Override
  public synchronized Future<?> stop() {
    stopped = true;
    consumer.close(Duration.ofSeconds(5));
    return Future.succeededFuture();
  }
}
