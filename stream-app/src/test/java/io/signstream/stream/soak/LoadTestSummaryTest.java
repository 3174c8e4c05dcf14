package io.signstream.stream.soak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The loadtest's machine-readable line carries the keys the issue lists, with the phases' own figures. */
class LoadTestSummaryTest {

  @Test
  void theJsonLineHasTheListedKeysFromThePhases() {
    SoakSettings settings = SoakSettings.defaults().withMethods(List.of("lrp_epsilon_0_1"));
    LatencySummary e2e = new LatencySummary(100, 12, 40, 80, 95);
    PhaseResult burst = new PhaseResult(1000, 1000, 998, 1, 0, 0.5, e2e, e2e, 0.9, 1);
    PhaseResult steady = new PhaseResult(800, 800, 800, 0, 0, 2.0, e2e, e2e, 1.5, 1);
    EngineBaseline.Result engine = new EngineBaseline.Result(48, e2e, 2500, 0.2);

    JsonObject json = new JsonObject(LoadTestCommand.summary(settings, burst, null, steady, engine, 0.8, 47.6).encode());

    for (String key : List.of("capacity_maps_per_s", "engine_maps_per_s", "p50_ms", "p95_ms", "p99_ms", "fraction",
        "method", "engine", "lost", "duplicated")) {
      assertTrue(json.containsKey(key), key + " missing from " + json);
    }
    assertEquals(1996.0, json.getDouble("capacity_maps_per_s")); // 998 maps in 0.5 s
    assertEquals(2500.0, json.getDouble("engine_maps_per_s"));
    assertEquals(12.0, json.getDouble("p50_ms"));
    assertEquals(80.0, json.getDouble("p99_ms"));
    assertEquals(0.8, json.getDouble("fraction"));
    assertEquals("lrp_epsilon_0_1", json.getString("method"));
    assertEquals("pytorch", json.getString("engine"));
    assertEquals(2L, json.getLong("lost"));
    assertEquals(1L, json.getLong("duplicated"));
  }

  @Test
  void multiSampleRequestsCountEveryMapOfAnExplanation() {
    SoakSettings settings = SoakSettings.defaults().withSamplesPerRequest(16);
    LatencySummary e2e = new LatencySummary(100, 12, 40, 80, 95);
    PhaseResult burst = new PhaseResult(1000, 1000, 1000, 0, 0, 0.5, e2e, e2e, 0.8, 16);
    PhaseResult steady = new PhaseResult(800, 800, 800, 0, 0, 2.0, e2e, e2e, 1.5, 16);
    EngineBaseline.Result engine = new EngineBaseline.Result(64, e2e, 40000, 0.02);

    JsonObject json = new JsonObject(LoadTestCommand.summary(settings, burst, null, steady, engine, 0.8, 64).encode());

    assertEquals(32000.0, json.getDouble("capacity_maps_per_s")); // 1,000 explanations of 16 maps in 0.5 s
    assertEquals(0.8, json.getDouble("pipeline_vs_engine"));
    assertEquals(0.05, json.getDouble("pipeline_cpu_ms_per_map")); // 0.8 s of CPU over 16,000 maps
    assertEquals(6400.0, json.getDouble("steady_maps_per_s"));
    assertEquals(16, json.getInteger("samples_per_request"));
    assertEquals(0L, json.getLong("lost"));
  }

  @Test
  void whatTheLeadInLostOrRepeatedCountsToo() {
    SoakSettings settings = SoakSettings.defaults();
    LatencySummary e2e = new LatencySummary(100, 12, 40, 80, 95);
    PhaseResult burst = new PhaseResult(1000, 1000, 1000, 0, 0, 0.5, e2e, e2e, 0.9, 1);
    PhaseResult leadIn = new PhaseResult(400, 400, 397, 2, 0, 5.0, new LatencySummary(400, 900, 950, 990, 999), e2e,
        1.0, 1);
    PhaseResult steady = new PhaseResult(800, 800, 799, 0, 0, 2.0, e2e, e2e, 1.5, 1);
    EngineBaseline.Result engine = new EngineBaseline.Result(48, e2e, 2500, 0.2);

    JsonObject json = new JsonObject(LoadTestCommand.summary(settings, burst, leadIn, steady, engine, 0.8, 47.6)
        .encode());

    assertEquals(4L, json.getLong("lost"));
    assertEquals(2L, json.getLong("duplicated"));
    assertEquals(5L, json.getLong("lead_in_s"));
    assertEquals(80.0, json.getDouble("p99_ms")); // the steady phase's, not the lead-in's
  }
}
