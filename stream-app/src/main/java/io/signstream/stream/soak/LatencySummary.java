package io.signstream.stream.soak;

import java.util.Arrays;
import java.util.Locale;

/**
 * Percentiles of a set of latencies, in milliseconds.
 *
 * @param count number of samples
 * @param p50 median
 * @param p95 95th percentile
 * @param p99 99th percentile
 * @param max largest sample
 */
public record LatencySummary(long count, double p50, double p95, double p99, double max) {

  /** The summary of no samples. */
  public static final LatencySummary EMPTY = new LatencySummary(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);

  /** Nearest-rank percentiles of durations in nanoseconds. */
  public static LatencySummary ofNanos(long[] nanos) {
    if (nanos.length == 0) {
      return EMPTY;
    }
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return new LatencySummary(sorted.length, rank(sorted, 0.50) / 1e6, rank(sorted, 0.95) / 1e6,
        rank(sorted, 0.99) / 1e6, sorted[sorted.length - 1] / 1e6);
  }

  private static long rank(long[] sorted, double q) {
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  @Override
  public String toString() {
    if (count == 0) {
      return "no samples";
    }
    return String.format(Locale.ROOT, "p50 %s ms, p95 %s ms, p99 %s ms, max %s ms (%d samples)", fmt(p50), fmt(p95),
        fmt(p99), fmt(max), count);
  }

  static String fmt(double ms) {
    return ms < 10 ? String.format(Locale.ROOT, "%.2f", ms) : String.format(Locale.ROOT, "%.0f", ms);
  }
}
