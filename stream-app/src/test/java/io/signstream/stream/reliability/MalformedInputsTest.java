package io.signstream.stream.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.schemas.ErrorCode;
import io.signstream.stream.Pipeline;
import io.signstream.stream.TestEvents;
import io.signstream.stream.config.StreamConfig;
import io.signstream.stream.kafka.EmbeddedKafka;
import io.signstream.stream.reliability.MalformedInputs.Malformed;
import io.signstream.stream.worker.ComputerFactory;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every kind of malformed request, interleaved with valid ones on a real broker and the real engine:
 * each malformed one ends in exactly one dead letter with its error code and original bytes, each
 * valid one in one explanation per method, and nothing else is written (read_committed).
 */
@Tag("reliability")
class MalformedInputsTest {

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void eachMalformedRequestEndsInExactlyOneDeadLetterWithItsCodeAndBytes() throws Exception {
    List<Malformed> catalogue = MalformedInputs.catalogue("m", Scenario.LIMITS);
    Set<ErrorCode> codes = catalogue.stream().map(Malformed::code).collect(Collectors.toCollection(
        () -> EnumSet.noneOf(ErrorCode.class)));
    assertTrue(catalogue.size() >= 12, "catalogue has " + catalogue.size() + " kinds");
    // COMPUTE_FAILED and MODEL_LOAD_FAILED come from workers (ModelLoadFailureTest); UNKNOWN only from a bug in
    // the topology, never from a request
    assertEquals(EnumSet.complementOf(EnumSet.of(ErrorCode.COMPUTE_FAILED, ErrorCode.MODEL_LOAD_FAILED,
        ErrorCode.UNKNOWN)), codes,
        "every error code the topology can give is exercised");

    Ledger ledger = new Ledger();
    List<String> methods = List.of("gradient", "input_t_gradient");
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      StreamConfig config = Scenario.config(kafka.bootstrapServers(), "mal.", 2);
      try (Pipeline pipeline = Pipeline.start(config, ComputerFactory.engine(), null);
          Feeder feeder = new Feeder(Scenario.clients(config), config.topics().requests(), ledger);
          CommittedReader reader = new CommittedReader(Scenario.clients(config), config.topics())) {
        int valid = 60;
        int next = 0;
        for (int i = 0; i < valid; i++) {
          feeder.valid(TestEvents.digitsEvent("ok-" + i, i, methods).setTarget(i % 2 == 0 ? i % 10 : null).build());
          if (i % 2 == 1 && next < catalogue.size()) {
            feeder.malformed(catalogue.get(next++));
          }
        }
        while (next < catalogue.size()) {
          feeder.malformed(catalogue.get(next++));
        }
        feeder.flush();
        assertEquals(0, feeder.failures(), () -> "send failed: " + feeder.firstFailure());
        reader.readAll(ledger.expectedMaps(), ledger.expectedDeadLetters(), Duration.ofSeconds(120),
            Duration.ofSeconds(2));
        Ledger.Reconciliation r = ledger.reconcile(reader.explanations, reader.deadLetters);
        System.out.printf("RELIABILITY malformed catalogue (%d kinds, %d codes): %s%n", catalogue.size(), codes.size(), r);
        assertTrue(r.exact(), r.toString());
        assertEquals(catalogue.size(), pipeline.metrics().count("signstream.dead.letters", "stage", "topology"));
      }
    }
  }
}
