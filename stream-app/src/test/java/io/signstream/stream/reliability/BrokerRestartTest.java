package io.signstream.stream.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.stream.Pipeline;
import io.signstream.stream.config.StreamConfig;
import io.signstream.stream.kafka.EmbeddedKafka;
import io.signstream.stream.worker.ComputerFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The broker stopped mid-stream and restarted on the same ports and log folders while requests keep
 * coming: the topology, the workers and the producers ride it out, and every request still ends in
 * exactly its explanations or one dead letter.
 */
@Tag("reliability")
class BrokerRestartTest {

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void brokerStoppedAndRestartedMidStreamGivesExactTotals() throws Exception {
    Ledger ledger = new Ledger();
    List<String> methods = List.of("gradient", "input_t_gradient");
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      StreamConfig config = Scenario.config(kafka.bootstrapServers(), "restart.", 2);
      try (Pipeline pipeline = Pipeline.start(config, ComputerFactory.engine(), null);
          Feeder feeder = new Feeder(Scenario.clients(config), config.topics().requests(), ledger);
          CommittedReader reader = new CommittedReader(Scenario.clients(config), config.topics())) {
        Thread feed = feeder.steady("r-", 400, 40, 50, Feeder.digits("r-", methods));
        assertTrue(reader.pollUntil(() -> reader.explanations.size() >= 60, Duration.ofSeconds(90)));
        int before = reader.explanations.size();
        long t0 = System.nanoTime();
        kafka.stop();
        Thread.sleep(3000); // requests pile up in the feeder's producer meanwhile
        kafka.restart();
        double downSeconds = (System.nanoTime() - t0) / 1e9;
        feed.join();
        feeder.flush();
        assertEquals(0, feeder.failures(), () -> "send failed: " + feeder.firstFailure());
        reader.readAll(ledger.expectedMaps(), ledger.expectedDeadLetters(), Duration.ofSeconds(150),
            Duration.ofSeconds(3));
        Ledger.Reconciliation r = ledger.reconcile(reader.explanations, reader.deadLetters);
        System.out.printf("RELIABILITY broker restart: down %.1f s (stop, 3 s, restart on %s) after %d explanations;"
            + " %s; health %s%n", downSeconds, kafka.bootstrapServers(), before, r, pipeline.health().encode());
        assertTrue(r.exact(), r.toString());
        assertEquals("UP", pipeline.health().getString("status"));
      }
    }
  }
}
