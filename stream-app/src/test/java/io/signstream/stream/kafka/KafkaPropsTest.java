package io.signstream.stream.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.stream.config.ConfigLoader;
import io.signstream.stream.config.StreamConfig;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaPropsTest {

  @TempDir
  Path dir;

  private StreamConfig config(String... keyValues) {
    Properties p = new Properties();
    p.put("bootstrap.servers", "x:9092");
    for (int i = 0; i < keyValues.length; i += 2) {
      p.put(keyValues[i], keyValues[i + 1]);
    }
    return ConfigLoader.fromProperties(p, dir);
  }

  @Test
  void producersBatchUpTo256KiBUnlessTheDeploymentSaysOtherwise() {
    assertEquals(256 * 1024, KafkaProps.producerBatchSize(config()));
    assertEquals(65_536, KafkaProps.producerBatchSize(config("kafka.batch.size", " 65536 ")));
    // a batch travels in one request: never more than the producer may send
    assertEquals(100_000, KafkaProps.producerBatchSize(config("kafka.max.request.size", "100000")));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> KafkaProps.producerBatchSize(config("kafka.batch.size", "big")));
    assertTrue(e.getMessage().contains("kafka.batch.size=big"), e.getMessage());
  }

  @Test
  void theStreamsAppsProducersGetTheBatchSize() {
    Properties p = StreamsApp.properties(config(), dir);
    assertEquals(256 * 1024, p.get(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG)));
    Properties own = StreamsApp.properties(config("kafka.batch.size", "32768"), dir);
    assertEquals(32_768, own.get(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG)));
  }
}
