package io.signstream.stream.soak;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Prints the pipeline's figures next to the bare engine's on the same maps: throughput against the
 * engine at the batch size the workers actually used, and end-to-end latency against one bare map.
 */
final class PipelineVsEngine {

  private PipelineVsEngine() {}

  /** The batch the workers compute at: their mean, rounded up to the power of two when they pad to one. */
  static int workerBatch(double meanBatch, boolean padded) {
    int n = Math.max(1, (int) Math.ceil(meanBatch));
    if (!padded) {
      return n;
    }
    return Integer.highestOneBit(n) == n ? n : Integer.highestOneBit(n) << 1;
  }

  /**
   * @param throughput the phase whose maps per second to compare (a capacity burst, or a paced run)
   * @param latency the phase whose end-to-end latency to compare (a paced run below capacity)
   */
  static void print(PrintStream out, PhaseResult throughput, PhaseResult latency, EngineBaseline.Result single,
      EngineBaseline.Result batched, double meanBatch) {
    out.printf(Locale.ROOT, "bare engine, same maps, same JVM:%n    %s%n    %s%n", single, batched);
    out.printf(Locale.ROOT, "pipeline vs bare engine:%n");
    out.printf(Locale.ROOT, "    throughput: pipeline %.0f maps/s = %.0f %% of the bare engine at the workers' batch"
        + " size (mean %.1f samples per call, engine timed at %d)%n", throughput.mapsPerSecond(),
        100 * throughput.mapsPerSecond() / batched.mapsPerSecond(), meanBatch, batched.batch());
    out.printf(Locale.ROOT, "    CPU: pipeline %.2f ms of process CPU per map (broker, topology, workers, load generator"
        + " and reader together), bare engine %.2f ms: the engine is %.0f %% of the pipeline's CPU%n",
        throughput.cpuMillisPerMap(), batched.cpuMillisPerMap(),
        100 * batched.cpuMillisPerMap() / throughput.cpuMillisPerMap());
    LatencySummary e2e = latency.endToEnd();
    LatencySummary map = single.perCall();
    out.printf(Locale.ROOT, "    latency p50/p95/p99: pipeline %s/%s/%s ms end to end, bare map %s/%s/%s ms:"
        + " overhead +%s/+%s/+%s ms%n",
        LatencySummary.fmt(e2e.p50()), LatencySummary.fmt(e2e.p95()), LatencySummary.fmt(e2e.p99()),
        LatencySummary.fmt(map.p50()), LatencySummary.fmt(map.p95()), LatencySummary.fmt(map.p99()),
        LatencySummary.fmt(e2e.p50() - map.p50()), LatencySummary.fmt(e2e.p95() - map.p95()),
        LatencySummary.fmt(e2e.p99() - map.p99()));
  }
}
