package io.signstream.stream.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.stream.soak.EngineBaseline;
import io.signstream.stream.soak.HeapSampler;
import io.signstream.stream.soak.PhaseResult;
import io.signstream.stream.soak.SoakHarness;
import io.signstream.stream.soak.SoakSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A 20-second soak of the embedded pipeline at a fixed rate: nothing lost or repeated, and heap used
 * (sampled every second after a GC hint) does not trend upwards: the mean of the last third of the
 * samples is at most {@value #MAX_GROWTH_PERCENT} % above the mean of the first third. Latency and
 * the bare-engine comparison are printed as data, never asserted.
 */
@Tag("reliability")
class SoakTest {

  /**
   * About 2,000 requests separate the middles of the first and last thirds and live heap is about
   * 190 MB (broker, topology, worker, engine in one JVM), so 10 % catches a leak of 10 KB per request,
   * e.g. keeping every task or explanation record; the growth measured without a leak is 1-2 %.
   */
  private static final double MAX_GROWTH_PERCENT = 10;
  private static final double RATE = 150;

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void heapStaysBoundedAtAFixedRate() throws Exception {
    Path csv = Path.of("target", "soak", "soak-test.csv");
    try (SoakHarness h = SoakHarness.start(SoakSettings.defaults().withMethods(List.of("gradient")))) {
      HeapSampler heap = new HeapSampler(true);
      PhaseResult run = h.paced(RATE, Duration.ofSeconds(20), Duration.ofSeconds(60), heap, csv);
      HeapSampler.Trend trend = heap.trend();
      EngineBaseline.Result single = h.engineBaseline(1, 200);
      System.out.printf("RELIABILITY soak: %.0f requests/s for 20 s: %s%n    heap (after GC hint, 1 s): %s%n"
          + "    resident set size (reported, not judged: the native allocator is still warming up): %s%n"
          + "    bare engine, same maps: %s; mean worker batch %.1f%n    csv: %s%n", RATE, run, trend,
          heap.residentTrend(), single, h.meanBatch(), csv.toAbsolutePath());
      assertEquals(0, run.lost(), run.toString());
      assertEquals(0, run.duplicates(), run.toString());
      assertTrue(trend.samples() >= 15, "heap samples: " + trend.samples());
      assertTrue(trend.growthPercent() <= MAX_GROWTH_PERCENT, "heap grew: " + trend);
      assertTrue(Files.readAllLines(csv).size() >= 16, "csv rows");
    }
  }

  /**
   * Requests of several samples each (a producer that logs its inference batches as one event) through the
   * embedded pipeline: each comes back as one explanation holding every sample's map, none lost or repeated,
   * and the harness counts maps, not records.
   */
  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void multiSampleRequestsComeBackWholeAndOnce() throws Exception {
    try (SoakHarness h = SoakHarness.start(SoakSettings.defaults().withMethods(List.of("lrp_epsilon_0_1"))
        .withSamplesPerRequest(8))) {
      PhaseResult burst = h.burst(300, Duration.ofSeconds(90));
      System.out.printf("RELIABILITY multi-sample burst: %s; mean worker batch %.1f%n", burst, h.meanBatch());
      assertEquals(300, burst.received(), burst.toString());
      assertEquals(0, burst.lost(), burst.toString());
      assertEquals(0, burst.duplicates(), burst.toString());
      assertEquals(2400, burst.maps());
      assertTrue(h.meanBatch() > 8, "8-sample tasks should share explain calls: " + h.meanBatch());
      // the phase ends once the explanation monitor has read them too (the harness waits for it)
      double monitorRead = h.pipeline().metrics().registry().get("signstream.monitor.records").counter().count();
      assertTrue(monitorRead >= 300, "monitor records read: " + monitorRead);
    }
  }
}
