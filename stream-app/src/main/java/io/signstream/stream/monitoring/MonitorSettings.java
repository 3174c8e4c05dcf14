package io.signstream.stream.monitoring;

import java.time.Duration;
import java.util.List;
import java.util.Properties;

/**
 * How explanation monitoring aggregates, compares and alerts ({@code monitor.*} keys of the
 * properties file; see the stream-app README for why each default is what it is).
 *
 * @param window tumbling window of the aggregates ({@code monitor.window.ms}, default 60 s)
 * @param grace how long after a window's end records still count ({@code monitor.grace.ms}, default 10 s)
 * @param referenceWindows windows pooled into a key's reference: the first N after the key appears,
 *     or the last N before a pin ({@code monitor.reference.windows}, default 5)
 * @param topK positions compared by the rank correlation ({@code monitor.top.k}, default 10)
 * @param driftThreshold 1 - cosine above which a drift alert is raised ({@code monitor.drift.threshold}, 0.05)
 * @param minCount windows with fewer maps are published but never raise an alert ({@code monitor.min.count}, 5)
 * @param clearWindows consecutive windows below half the threshold that clear an active alert
 *     ({@code monitor.clear.windows}, 2)
 * @param crossCheckRate share of events also sent to the other engine ({@code monitor.crosscheck.rate}, 0.01)
 * @param disagreementThreshold Pearson r below which an engine-disagreement alert is raised
 *     ({@code monitor.disagreement.threshold}, 0.999)
 * @param maxKeys most (model, version, method, class) keys kept; more are refused ({@code monitor.max.keys}, 2000)
 * @param maxMapElements largest map (elements per sample) aggregated ({@code monitor.max.map.elements}, 65536)
 * @param maxPendingPairs most cross-check halves waiting for their other engine ({@code monitor.max.pending.pairs}, 10000)
 */
public record MonitorSettings(
    Duration window,
    Duration grace,
    int referenceWindows,
    int topK,
    double driftThreshold,
    long minCount,
    int clearWindows,
    double crossCheckRate,
    double disagreementThreshold,
    int maxKeys,
    int maxMapElements,
    int maxPendingPairs) {

  /** Prefix of the properties read here. */
  public static final String PREFIX = "monitor.";

  /** Every key read here. */
  public static final List<String> KEYS = List.of("monitor.window.ms", "monitor.grace.ms", "monitor.reference.windows",
      "monitor.top.k", "monitor.drift.threshold", "monitor.min.count", "monitor.clear.windows",
      "monitor.crosscheck.rate", "monitor.disagreement.threshold", "monitor.max.keys", "monitor.max.map.elements",
      "monitor.max.pending.pairs");

  /** Checks the ranges. */
  public MonitorSettings {
    if (window.toMillis() <= 0 || grace.isNegative() || referenceWindows <= 0 || topK <= 0 || minCount < 0
        || clearWindows <= 0 || maxKeys <= 0 || maxMapElements <= 0 || maxPendingPairs < 0) {
      throw new IllegalArgumentException("monitor settings out of range: window=" + window + ", grace=" + grace
          + ", referenceWindows=" + referenceWindows + ", topK=" + topK + ", minCount=" + minCount + ", clearWindows="
          + clearWindows + ", maxKeys=" + maxKeys + ", maxMapElements=" + maxMapElements + ", maxPendingPairs="
          + maxPendingPairs);
    }
    if (!(driftThreshold > 0 && driftThreshold <= 1)) {
      throw new IllegalArgumentException("monitor.drift.threshold must be in (0, 1], got " + driftThreshold);
    }
    if (!(crossCheckRate >= 0 && crossCheckRate <= 1)) {
      throw new IllegalArgumentException("monitor.crosscheck.rate must be in [0, 1], got " + crossCheckRate);
    }
    if (!(disagreementThreshold >= -1 && disagreementThreshold <= 1)) {
      throw new IllegalArgumentException("monitor.disagreement.threshold must be in [-1, 1], got " + disagreementThreshold);
    }
  }

  /** The defaults listed above. */
  public static MonitorSettings defaults() {
    return new MonitorSettings(Duration.ofSeconds(60), Duration.ofSeconds(10), 5, 10, 0.05, 5, 2, 0.01, 0.999, 2000,
        65536, 10000);
  }

  /** A copy with another window and grace period. */
  public MonitorSettings withWindow(Duration size, Duration lateness) {
    return new MonitorSettings(size, lateness, referenceWindows, topK, driftThreshold, minCount, clearWindows,
        crossCheckRate, disagreementThreshold, maxKeys, maxMapElements, maxPendingPairs);
  }

  /** A copy with another cross-check sampling rate. */
  public MonitorSettings withCrossCheckRate(double rate) {
    return new MonitorSettings(window, grace, referenceWindows, topK, driftThreshold, minCount, clearWindows, rate,
        disagreementThreshold, maxKeys, maxMapElements, maxPendingPairs);
  }

  /** A copy with other state bounds. */
  public MonitorSettings withBounds(int keys, int mapElements, int pendingPairs) {
    return new MonitorSettings(window, grace, referenceWindows, topK, driftThreshold, minCount, clearWindows,
        crossCheckRate, disagreementThreshold, keys, mapElements, pendingPairs);
  }

  /**
   * The {@code monitor.*} keys of a properties file over the defaults (other keys are ignored here;
   * the configuration loader refuses unknown ones).
   *
   * @throws IllegalArgumentException on a bad number
   */
  public static MonitorSettings fromProperties(Properties p) {
    MonitorSettings d = defaults();
    return new MonitorSettings(
        Duration.ofMillis(longOf(p, "monitor.window.ms", d.window.toMillis())),
        Duration.ofMillis(longOf(p, "monitor.grace.ms", d.grace.toMillis())),
        (int) longOf(p, "monitor.reference.windows", d.referenceWindows),
        (int) longOf(p, "monitor.top.k", d.topK),
        doubleOf(p, "monitor.drift.threshold", d.driftThreshold),
        longOf(p, "monitor.min.count", d.minCount),
        (int) longOf(p, "monitor.clear.windows", d.clearWindows),
        doubleOf(p, "monitor.crosscheck.rate", d.crossCheckRate),
        doubleOf(p, "monitor.disagreement.threshold", d.disagreementThreshold),
        (int) longOf(p, "monitor.max.keys", d.maxKeys),
        (int) longOf(p, "monitor.max.map.elements", d.maxMapElements),
        (int) longOf(p, "monitor.max.pending.pairs", d.maxPendingPairs));
  }

  private static long longOf(Properties p, String key, long fallback) {
    String v = p.getProperty(key);
    try {
      return v == null ? fallback : Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be a whole number, got '" + v + "'", e);
    }
  }

  private static double doubleOf(Properties p, String key, double fallback) {
    String v = p.getProperty(key);
    try {
      return v == null ? fallback : Double.parseDouble(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be a number, got '" + v + "'", e);
    }
  }
}
