package io.signstream.stream.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.stream.Pipeline;
import io.signstream.stream.TestEvents;
import io.signstream.stream.config.StreamConfig;
import io.signstream.stream.kafka.EmbeddedKafka;
import io.signstream.stream.worker.ComputerFactory;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A downstream consumer of the explanations that polls once and then stalls (a hung application
 * still in its consumer group, holding every partition) must neither slow nor break the pipeline:
 * another consumer reads exact totals, at the same pace as without the stalled one.
 */
@Tag("reliability")
class StalledConsumerTest {

  private static final int PHASE_REQUESTS = 300;

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void aStalledOutputConsumerDoesNotHoldThePipelineBack() throws Exception {
    Ledger ledger = new Ledger();
    List<String> methods = List.of("gradient", "input_t_gradient");
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      StreamConfig config = Scenario.config(kafka.bootstrapServers(), "stall.", 2);
      try (Pipeline pipeline = Pipeline.start(config, ComputerFactory.engine(), null);
          Feeder feeder = new Feeder(Scenario.clients(config), config.topics().requests(), ledger);
          CommittedReader reader = new CommittedReader(Scenario.clients(config), config.topics())) {
        phase(feeder, reader, ledger, "warm-", 20, methods);
        double free = phase(feeder, reader, ledger, "free-", PHASE_REQUESTS, methods);
        try (KafkaConsumer<byte[], byte[]> stalled = stalledConsumer(config)) {
          int polledOnce = stalled.poll(Duration.ofSeconds(10)).count(); // then never again during the phase
          assertTrue(polledOnce > 0, "the stalled consumer got nothing on its one poll");
          double withStall = phase(feeder, reader, ledger, "stalled-", PHASE_REQUESTS, methods);
          Ledger.Reconciliation r = ledger.reconcile(reader.explanations, reader.deadLetters);
          System.out.printf("RELIABILITY stalled consumer: %d requests without it in %.2f s, %d with it (polled once,"
              + " %d records, then stalled) in %.2f s; second consumer: %s%n", PHASE_REQUESTS, free, PHASE_REQUESTS,
              polledOnce, withStall, r);
          assertTrue(r.exact(), r.toString());
          assertTrue(stalled.groupMetadata().generationId() > 0, "the stalled consumer is a group member");
        }
      }
    }
  }

  /** Sends a burst and waits until the reconciler has all of it; returns the seconds it took. */
  private static double phase(Feeder feeder, CommittedReader reader, Ledger ledger, String prefix, int n,
      List<String> methods) {
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      feeder.valid(TestEvents.digitsEvent(prefix + i, i, methods).build());
    }
    feeder.flush();
    assertEquals(0, feeder.failures(), () -> "send failed: " + feeder.firstFailure());
    assertTrue(reader.pollUntil(() -> reader.explanations.size() >= ledger.expectedMaps(), Duration.ofSeconds(90)),
        () -> "phase " + prefix + ": " + reader.explanations.size() + "/" + ledger.expectedMaps());
    return (System.nanoTime() - t0) / 1e9;
  }

  /** A read_committed group member of the explanations topic, from the beginning, few records per poll. */
  private static KafkaConsumer<byte[], byte[]> stalledConsumer(StreamConfig config) {
    Map<String, Object> p = new HashMap<>(Scenario.clients(config));
    p.put("group.id", "stalled-downstream-app");
    p.put("isolation.level", "read_committed");
    p.put("auto.offset.reset", "earliest");
    p.put("max.poll.records", 10);
    KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    c.subscribe(List.of(config.topics().explanations()));
    return c;
  }
}
