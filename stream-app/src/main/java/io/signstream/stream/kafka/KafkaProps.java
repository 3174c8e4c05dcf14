package io.signstream.stream.kafka;

import io.signstream.stream.config.StreamConfig;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;

/** Client properties shared by every Kafka client of a deployment: bootstrap servers plus the {@code kafka.*} pass-through. */
public final class KafkaProps {

  /** Kafka's default {@code max.request.size}. */
  public static final int DEFAULT_MAX_REQUEST_SIZE = 1_048_576;

  private KafkaProps() {}

  /** Bootstrap servers and the configured client properties (SASL, TLS, …), as a fresh mutable map. */
  public static Map<String, Object> common(StreamConfig config) {
    Map<String, Object> p = new HashMap<>(config.clientProperties());
    p.put("bootstrap.servers", config.bootstrapServers());
    return p;
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
