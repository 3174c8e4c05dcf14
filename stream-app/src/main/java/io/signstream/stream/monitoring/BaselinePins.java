package io.signstream.stream.monitoring;

import io.signstream.schemas.AvroSerde;
import io.signstream.schemas.BaselinePin;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes baseline pins ({@code signstream baseline pin}, {@code POST /api/monitoring/baseline}) to the
 * compacted {@code <prefix>baselines} topic: one record per (model, version), the latest wins.
 */
public final class BaselinePins {

  private BaselinePins() {}

  /** The record key of a pin: model id and version (empty for every version). */
  public static String key(String model, String version) {
    return model + '\u001f' + (version == null ? "" : version);
  }

  /**
   * Pins the model's (version's) recent windows as its drift reference, now.
   *
   * @return the pin written
   */
  public static BaselinePin pin(Map<String, Object> clientProps, MonitoringTopics topics, String model, String version,
      String requestedBy) throws Exception {
    BaselinePin pin = BaselinePin.newBuilder().setModelId(model).setModelVersion(version)
        .setPinnedAt(Instant.now()).setRequestedBy(requestedBy).build();
    Map<String, Object> p = new java.util.HashMap<>(clientProps);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000); // no broker or no topic: a clear error, soon
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(topics.baselines(), key(model, version),
          AvroSerde.forClass(BaselinePin.class).encode(pin))).get(30, TimeUnit.SECONDS);
    }
    return pin;
  }
}
