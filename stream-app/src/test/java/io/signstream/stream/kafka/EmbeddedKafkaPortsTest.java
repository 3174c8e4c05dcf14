package io.signstream.stream.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class EmbeddedKafkaPortsTest {

  /**
   * CI once drew the same port for the broker and the controller listener, and Kafka refused to start. With 100
   * ports from the ephemeral range, ports closed one by one before the next is drawn repeat in about one run in
   * six; held together they never do.
   */
  @Test
  void portsDrawnTogetherAreDistinct() {
    for (int round = 0; round < 5; round++) {
      int[] ports = EmbeddedKafka.freePorts(100);
      assertEquals(100, Arrays.stream(ports).distinct().count(), () -> "a port drawn twice: " + Arrays.toString(ports));
    }
  }
}
