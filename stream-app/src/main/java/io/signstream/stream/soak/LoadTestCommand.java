package io.signstream.stream.soak;

import io.signstream.stream.cli.CliArgs;
import io.signstream.stream.cli.Subcommand;
import io.signstream.stream.cli.UsageException;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code signstream loadtest}: the embedded pipeline's capacity (a burst as fast as it takes it),
 * its latency at a fraction of that capacity, and the bare engine on the same maps, to show what the
 * pipeline costs on top of the engine. The last line on stdout is one JSON object (see {@link #summary}).
 * Exit code 1 if an explanation was lost or duplicated.
 */
public final class LoadTestCommand implements Subcommand {

  @Override
  public String name() {
    return "loadtest";
  }

  @Override
  public String summary() {
    return "measure the embedded pipeline: capacity, latency at a fraction of it, overhead over the bare engine";
  }

  @Override
  public String usage() {
    return "usage: signstream loadtest [--requests N] [--fraction F] [--duration S] [options]\n"
        + "  --requests N              size of the capacity burst (default 10000, so that a commit or a GC pause\n"
        + "                            does not decide the figure; a longer burst reads a higher capacity)\n"
        + "  --warmup N                requests sent first and not measured, so the JIT has compiled the\n"
        + "                            hot paths (default 10000), again while the JIT compilers still take more\n"
        + "                            than a tenth of the CPU (at most " + SoakCommand.WARMUP_MAX_ROUNDS + " rounds)\n"
        + "  --fraction F              steady rate as a fraction of the measured capacity (default 0.8)\n"
        + "  --duration S              seconds of steady load (default 20)\n"
        + "  --lead-in S               seconds at the steady rate before it is measured (default 5; 0: none), so\n"
        + "                            that the change from burst to steady rate settles outside the measurement\n"
        + "  --method M[,M...]         methods per request (default gradient)\n"
        + "  --model ID                digits_cnn (default) or wonnx_opt_mnist\n"
        + "  --engine E                pytorch (default) or tensorflow\n"
        + "  --baseline-calls N        bare-engine calls to time at batch 1 (default " + SoakCommand.BASELINE_CALLS
        + "), a quarter\n                            as many at the workers' mean batch size\n"
        + SoakCommand.PIPELINE_OPTIONS;
  }

  /**
   * The machine-readable result, printed as the last line: capacity (maps/s of the burst), the bare
   * engine's maps/s at the workers' batch size in the same run, end-to-end percentiles at the steady
   * fraction, and what was lost or duplicated over all three phases (the lead-in, null when there was none,
   * runs at the steady rate between the two and is not measured otherwise).
   */
  static JsonObject summary(SoakSettings settings, PhaseResult burst, PhaseResult leadIn, PhaseResult steady,
      EngineBaseline.Result engine, double fraction, double meanBatch) {
    long leadLost = leadIn == null ? 0 : leadIn.lost();
    long leadDuplicated = leadIn == null ? 0 : leadIn.duplicates();
    LatencySummary e2e = steady.endToEnd();
    return new JsonObject()
        .put("capacity_maps_per_s", round(burst.mapsPerSecond()))
        .put("engine_maps_per_s", round(engine.mapsPerSecond()))
        .put("pipeline_vs_engine", round(burst.mapsPerSecond() / engine.mapsPerSecond() * 1000) / 1000)
        .put("p50_ms", e2e.p50())
        .put("p95_ms", e2e.p95())
        .put("p99_ms", e2e.p99())
        .put("fraction", fraction)
        .put("steady_maps_per_s", round(steady.mapsPerSecond()))
        .put("pipeline_cpu_ms_per_map", Math.round(burst.cpuMillisPerMap() * 1000) / 1000.0)
        .put("engine_cpu_ms_per_map", Math.round(engine.cpuMillisPerMap() * 1000) / 1000.0)
        .put("method", String.join(",", settings.methods()))
        .put("engine", settings.engine())
        .put("model", settings.modelId())
        .put("samples_per_request", settings.samplesPerRequest())
        .put("mean_batch", round(meanBatch * 10) / 10)
        .put("engine_batch", engine.batch())
        .put("workers", settings.workers())
        .put("pad_batches", settings.padBatches())
        .put("commit_interval_ms", settings.topology().commitIntervalMillis())
        .put("lead_in_s", leadIn == null ? 0 : Math.round(leadIn.seconds()))
        .put("lost", burst.lost() + leadLost + steady.lost())
        .put("duplicated", burst.duplicates() + leadDuplicated + steady.duplicates());
  }

  private static double round(double v) {
    return Math.round(v);
  }

  @Override
  public int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
    java.util.Set<String> names = new java.util.HashSet<>(Set.of("requests", "warmup", "fraction", "duration",
        "lead-in", "method", "model", "engine", "baseline-calls"));
    names.addAll(SoakCommand.PIPELINE_OPTION_NAMES);
    CliArgs args = CliArgs.parse(argv, names, Set.of("pad-batches"));
    SoakSettings settings = SoakCommand.settings(args);
    double fraction = args.decimal("fraction", 0.8);
    double seconds = args.decimal("duration", 20);
    double leadSeconds = args.decimal("lead-in", 5);
    if (fraction <= 0 || seconds <= 0 || leadSeconds < 0) {
      throw new UsageException("--fraction and --duration must be positive, --lead-in zero or more");
    }
    try (SoakHarness h = SoakHarness.start(settings)) {
      SoakCommand.warmUp(h, (int) args.number("warmup", 10000), out);
      JitActivity.Since jit = JitActivity.now();
      PhaseResult burst = h.burst((int) args.number("requests", 10000), Duration.ofMinutes(10));
      double jitShare = jit.share();
      double capacity = SoakCommand.capacity(burst, settings);
      out.printf(Locale.ROOT, "capacity (burst, %s on %s, %s):%n  %s%n  -> %.0f requests/s (JIT compilers %.0f %% of"
          + " the CPU meanwhile)%n", settings.methods(), settings.modelId(), settings.engine(), burst, capacity,
          100 * jitShare);
      PhaseResult leadIn = null;
      if (leadSeconds > 0) {
        leadIn = h.paced(fraction * capacity, Duration.ofMillis((long) (leadSeconds * 1000)), Duration.ofSeconds(60),
            null, null);
        out.printf(Locale.ROOT, "lead-in at the steady rate (not measured; the consumers the burst left behind catch"
            + " up):%n  %s%n", leadIn);
      }
      PhaseResult steady = h.paced(fraction * capacity, Duration.ofMillis((long) (seconds * 1000)),
          Duration.ofSeconds(60), null, null);
      out.printf(Locale.ROOT, "steady at %.2f of capacity (%.0f requests/s for %.0f s):%n  %s%n", fraction,
          fraction * capacity, seconds, steady);
      EngineBaseline.Result engine = SoakCommand.printBaseline(out, h, burst, steady,
          (int) args.number("baseline-calls", SoakCommand.BASELINE_CALLS));
      JsonObject summary = summary(settings, burst, leadIn, steady, engine, fraction, h.meanBatch());
      boolean exact = summary.getLong("lost") == 0 && summary.getLong("duplicated") == 0;
      out.println(summary
          .put("burst_jit_cpu_share", Math.round(jitShare * 100) / 100.0).encode());
      return exact ? 0 : 1;
    }
  }
}
