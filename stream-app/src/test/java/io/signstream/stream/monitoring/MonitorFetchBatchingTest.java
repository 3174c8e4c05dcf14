package io.signstream.stream.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

class MonitorFetchBatchingTest {

  @Test
  void theMonitorsConsumerBatchesFetchesUnlessTheDeploymentSaysOtherwise() {
    Map<String, String> defaults = Monitoring.withFetchBatching(Map.of("security.protocol", "SASL_SSL"));
    assertEquals("524288", defaults.get("main.consumer.fetch.min.bytes"));
    assertEquals("200", defaults.get("main.consumer.fetch.max.wait.ms"));
    assertEquals("SASL_SSL", defaults.get("security.protocol"));
    Map<String, String> own = Monitoring.withFetchBatching(Map.of("main.consumer.fetch.max.wait.ms", "20"));
    assertEquals("20", own.get("main.consumer.fetch.max.wait.ms"));
  }
}
