package io.signstream.stream.soak;

import io.signstream.stream.cli.CliArgs;
import io.signstream.stream.cli.Subcommand;
import io.signstream.stream.cli.UsageException;
import io.signstream.stream.config.ValidationLimits;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code signstream soak}: the embedded pipeline at a fixed request rate for a while, sampling heap
 * (after a GC hint) and end-to-end latency every second; prints a summary and optionally a CSV.
 * Exit code 1 if an explanation was lost or duplicated.
 */
public final class SoakCommand implements Subcommand {

  @Override
  public String name() {
    return "soak";
  }

  @Override
  public String summary() {
    return "run the embedded pipeline at a fixed rate; heap and latency over time (--csv)";
  }

  @Override
  public String usage() {
    return "usage: signstream soak [--rate R | --rate-fraction F] [--duration S] [options]\n"
        + "  --rate R                  requests per second (default 100)\n"
        + "  --rate-fraction F         instead: F times the capacity measured first with a burst\n"
        + "  --capacity-requests N     size of that burst (default 2000)\n"
        + "  --warmup N                requests sent first and not measured (default 1000), again while the JIT\n"
        + "                            compilers take more than a tenth of the CPU (at most " + WARMUP_MAX_ROUNDS
        + " rounds)\n"
        + "  --duration S              seconds of steady load (default 60)\n"
        + "  --method M[,M...]         methods per request (default gradient)\n"
        + "  --model ID                digits_cnn (default) or wonnx_opt_mnist\n"
        + "  --engine E                pytorch (default) or tensorflow\n"
        + "  --csv FILE                one row per second: heap, counts, latency percentiles\n"
        + "  --no-gc-hint              sample heap without calling System.gc() first (no GC pauses in the latency)\n"
        + "  --baseline-calls N        bare-engine calls to time at batch 1 (default " + BASELINE_CALLS + "), a quarter\n"
        + "                            as many at the workers' mean batch size\n"
        + PIPELINE_OPTIONS;
  }

  @Override
  public int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
    java.util.Set<String> names = new java.util.HashSet<>(Set.of("rate", "rate-fraction", "capacity-requests",
        "duration", "method", "model", "engine", "csv", "baseline-calls", "warmup"));
    names.addAll(PIPELINE_OPTION_NAMES);
    CliArgs args = CliArgs.parse(argv, names, Set.of("no-gc-hint", "pad-batches"));
    SoakSettings settings = settings(args);
    double seconds = args.decimal("duration", 60);
    if (seconds <= 0) {
      throw new UsageException("--duration must be positive");
    }
    try (SoakHarness h = SoakHarness.start(settings)) {
      warmUp(h, (int) args.number("warmup", 1000), out);
      PhaseResult burst = capacityBurst(args, h, out);
      double rate = burst == null ? rate(args) : args.decimal("rate-fraction", 0.5) * capacity(burst, settings);
      HeapSampler heap = new HeapSampler(!args.has("no-gc-hint"));
      out.printf(Locale.ROOT, "soak: %.0f requests/s for %.0f s, %s on %s (%s)%n", rate, seconds, settings.methods(),
          settings.modelId(), settings.engine());
      PhaseResult run = h.paced(rate, Duration.ofMillis((long) (seconds * 1000)), Duration.ofSeconds(60), heap,
          args.get("csv") == null ? null : Path.of(args.get("csv")));
      out.println("  " + run);
      out.println("  heap used after a GC hint, every second: " + heap.trend());
      out.println("  resident set size (native memory included), every second: " + heap.residentTrend());
      printBaseline(out, h, burst == null ? run : burst, run, (int) args.number("baseline-calls", BASELINE_CALLS));
      if (args.get("csv") != null) {
        out.println("  per-second rows in " + args.get("csv"));
      }
      return run.lost() == 0 && run.duplicates() == 0 ? 0 : 1;
    }
  }

  /**
   * Times the bare engine and prints it next to the pipeline's throughput and latency phases.
   *
   * @return the bare engine at the workers' batch size
   */
  static EngineBaseline.Result printBaseline(PrintStream out, SoakHarness h, PhaseResult throughput,
      PhaseResult latency, int calls) throws Exception {
    double mean = h.meanBatch();
    EngineBaseline.Result single = h.engineBaseline(1, calls);
    EngineBaseline.Result batched = h.engineBaseline(PipelineVsEngine.workerBatch(mean, h.pipeline().config().worker().padBatches()), Math.max(10, calls / 4));
    PipelineVsEngine.print(out, throughput, latency, single, batched, mean);
    return batched;
  }

  /** A burst that is not measured: class loading and JIT compilation would otherwise count as pipeline cost. */
  static void warmUp(SoakHarness h, int requests, PrintStream out) throws InterruptedException {
    if (requests <= 0) {
      return;
    }
    // then again while the JIT compilers still take more than a tenth of the process's CPU (see JitActivity),
    // at most WARMUP_MAX_ROUNDS rounds in all
    for (int round = 1; round <= WARMUP_MAX_ROUNDS; round++) {
      JitActivity.Since jit = JitActivity.now();
      PhaseResult warm = h.burst(requests, Duration.ofMinutes(5));
      double jitShare = jit.share();
      out.printf(Locale.ROOT, "warm-up (not measured): %d requests in %.1f s, JIT compilers %.0f %% of the CPU%n",
          warm.requests(), warm.seconds(), 100 * jitShare);
      if (jitShare < WARMUP_JIT_SHARE) {
        return;
      }
    }
  }

  /**
   * Bare-engine calls timed at batch 1 by default (a quarter at the workers' batch, about a second on digits_cnn):
   * with 300 (75 batched calls, 0.15 s) one busy moment of the pipeline's own threads decided the figure, e.g.
   * 29,600 maps/s after a run where 1,000 calls read 52,954 (stream-app README, "Eleventh round").
   */
  static final int BASELINE_CALLS = 2000;

  /** Warm-up rounds at most. */
  static final int WARMUP_MAX_ROUNDS = 6;

  /** The JIT compilers' share of the process's CPU below which the warm-up is over. */
  static final double WARMUP_JIT_SHARE = 0.1;

  /** Requests per second a capacity burst sustained. */
  static double capacity(PhaseResult burst, SoakSettings settings) {
    return burst.received() / burst.seconds() / settings.methods().size();
  }

  private static double rate(CliArgs args) {
    double rate = args.decimal("rate", 100);
    if (rate <= 0) {
      throw new UsageException("--rate must be positive");
    }
    return rate;
  }

  /** The capacity burst when {@code --rate-fraction} asks for one, else null. */
  private static PhaseResult capacityBurst(CliArgs args, SoakHarness h, PrintStream out) throws InterruptedException {
    if (args.get("rate-fraction") == null) {
      return null;
    }
    double fraction = args.decimal("rate-fraction", 0.5);
    if (fraction <= 0) {
      throw new UsageException("--rate-fraction must be positive");
    }
    PhaseResult burst = h.burst((int) args.number("capacity-requests", 2000), Duration.ofMinutes(5));
    out.printf(Locale.ROOT, "capacity burst: %s%n  -> %.0f requests/s; soaking at %.2f of it%n", burst,
        capacity(burst, h.settings()), fraction);
    return burst;
  }

  static SoakSettings settings(CliArgs args) {
    List<String> methods = Arrays.stream(args.get("method", "gradient").split(",")).map(String::trim)
        .filter(s -> !s.isEmpty()).toList();
    if (methods.isEmpty()) {
      throw new UsageException("--method names no method");
    }
    String engine = args.get("engine", "pytorch").toLowerCase(Locale.ROOT);
    SoakSettings d = SoakSettings.defaults();
    int workers = (int) args.number("workers", d.workers());
    if (workers <= 0) {
      throw new UsageException("--workers must be positive");
    }
    return d.withMethods(methods).withModel(args.get("model", "digits_cnn"), engine)
        .withBatching((int) args.number("max-batch", d.maxBatch()), args.number("max-wait-ms", d.maxWaitMillis()))
        .withTopology(d.topology().withCommitIntervalMillis(args.number("commit-interval-ms",
            d.topology().commitIntervalMillis())))
        .withPadBatches(args.has("pad-batches"))
        .withSamplesPerRequest(samplesPerRequest(args))
        .withWorkers(workers);
  }

  private static int samplesPerRequest(CliArgs args) {
    long n = args.number("samples-per-request", 1);
    int most = ValidationLimits.defaults().maxBatch();
    if (n < 1 || n > most) {
      throw new UsageException("--samples-per-request must be 1 to " + most + " (limits.max.batch)");
    }
    return (int) n;
  }

  /** The options {@link #settings} reads, for the commands' usage texts. */
  static final String PIPELINE_OPTIONS = ""
      + "  --workers N               worker instances (default 1); with more, tasks are keyed by event so that\n"
      + "                            they share the model (topology.task.key=event) on N partitions\n"
      + "  --max-batch N             worker.max.batch (default 64)\n"
      + "  --max-wait-ms N           worker.max.wait.ms (default 2)\n"
      + "  --commit-interval-ms N    topology.commit.interval.ms (default 25)\n"
      + "  --pad-batches             worker.pad.batches=true: pad micro-batches to powers of two\n"
      + "  --samples-per-request N   samples on each request's batch axis, so maps per explanation record (default\n"
      + "                            1): a producer that sends its inference batches as one event";

  /** The option names {@link #settings} reads. */
  static final java.util.Set<String> PIPELINE_OPTION_NAMES = java.util.Set.of("workers", "max-batch", "max-wait-ms",
      "commit-interval-ms", "samples-per-request");
}
