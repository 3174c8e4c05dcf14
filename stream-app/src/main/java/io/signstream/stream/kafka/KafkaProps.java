package io.signstream.stream.kafka;

import io.signstream.stream.config.StreamConfig;
import java.util.HashMap;
import java.util.Map;

/** Client properties shared by every Kafka client of a deployment: bootstrap servers plus the {@code kafka.*} pass-through. */
public final class KafkaProps {

  private KafkaProps() {}

  /** Bootstrap servers and the configured client properties (SASL, TLS, …), as a fresh mutable map. */
  public static Map<String, Object> common(StreamConfig config) {
    Map<String, Object> p = new HashMap<>(config.clientProperties());
    p.put("bootstrap.servers", config.bootstrapServers());
    return p;
  }
}
