package io.signstream.stream.soak;

/**
 * Millisecond latencies counted in fixed buckets: 1 ms wide up to one minute, one overflow bucket.
 *
 * <p>Why buckets instead of a list of samples: a soak runs for hours, and a list growing with every
 * explanation would itself make the heap grow, which is what the soak watches. Thread-safe.
 */
final class LatencyHistogram {

  private static final int LIMIT_MS = 60_000;

  private final long[] counts = new long[LIMIT_MS + 1];
  private long total;
  private long max;

  /** Counts one latency (negative values, from clock skew, count as 0). */
  synchronized void record(long millis) {
    long ms = Math.max(0, millis);
    counts[(int) Math.min(ms, LIMIT_MS)]++;
    total++;
    max = Math.max(max, ms);
  }

  synchronized long count() {
    return total;
  }

  /** Percentiles of what was counted (values over a minute report as the minute). */
  synchronized LatencySummary summary() {
    if (total == 0) {
      return LatencySummary.EMPTY;
    }
    return new LatencySummary(total, rank(0.50), rank(0.95), rank(0.99), max);
  }

  /** Forgets everything (the per-second CSV rows). */
  synchronized void reset() {
    java.util.Arrays.fill(counts, 0);
    total = 0;
    max = 0;
  }

  private double rank(double q) {
    long wanted = Math.max(1, (long) Math.ceil(q * total));
    long seen = 0;
    for (int i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen >= wanted) {
        return i;
      }
    }
    return LIMIT_MS;
  }
}
