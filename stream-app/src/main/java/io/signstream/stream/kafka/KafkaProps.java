package io.signstream.stream.kafka;

import io.signstream.stream.config.StreamConfig;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;

/** Client properties shared by every Kafka client of a deployment: bootstrap servers plus the {@code kafka.*} pass-through. */
public final class KafkaProps {

  /** Kafka's default {@code max.request.size}. */
  public static final int DEFAULT_MAX_REQUEST_SIZE = 1_048_576;

  /**
   * The producers' {@code batch.size} unless {@code kafka.batch.size} says otherwise. Kafka's default (16 KiB) holds
   * five 3 KB maps or tasks, so at a few thousand maps per second every producer sent a request per five records and
   * the broker's request handling was the largest share of the pipeline's CPU; a batch only fills this far when
   * records are waiting anyway (linger and the transaction's flush decide when it is sent), so it costs no latency.
   */
  public static final int DEFAULT_BATCH_SIZE = 256 * 1024;

  private KafkaProps() {}

  /** Bootstrap servers and the configured client properties (SASL, TLS, …), as a fresh mutable map. */
  public static Map<String, Object> common(StreamConfig config) {
    Map<String, Object> p = new HashMap<>(config.clientProperties());
    p.put("bootstrap.servers", config.bootstrapServers());
    return p;
  }

  /**
   * The {@code batch.size} for this deployment's producers: {@code kafka.batch.size} if set, else
   * {@link #DEFAULT_BATCH_SIZE}, never more than {@link #maxRequestSize} (a batch is sent in one request).
   */
  public static int producerBatchSize(StreamConfig config) {
    String v = config.clientProperties().get(ProducerConfig.BATCH_SIZE_CONFIG);
    if (v != null && !v.isBlank()) {
      try {
        return Integer.parseInt(v.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("kafka.batch.size=" + v + " is not a number of bytes");
      }
    }
    return Math.min(DEFAULT_BATCH_SIZE, maxRequestSize(config));
  }

  /**
   * The largest record this deployment's producers send: {@code kafka.max.request.size} if set, else
   * Kafka's default. Every record the pipeline writes is sized against it before it is sent, because
   * a producer that refuses a record inside a transaction fails the whole transaction.
   */
  public static int maxRequestSize(StreamConfig config) {
    String v = config.clientProperties().get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
    if (v == null || v.isBlank()) {
      return DEFAULT_MAX_REQUEST_SIZE;
    }
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("kafka.max.request.size=" + v + " is not a number of bytes");
    }
  }
}
