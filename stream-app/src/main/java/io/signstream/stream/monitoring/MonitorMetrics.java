package io.signstream.stream.monitoring;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The monitoring meters (on {@code GET /metrics} with the pipeline's own):
 *
 * <ul>
 *   <li>{@code signstream.monitor.drift.score} {model, method} — the largest drift score (1 - cosine) of the
 *       model's keys in their latest closed window (NaN until a reference exists)</li>
 *   <li>{@code signstream.monitor.alerts} {model, method, kind} — alerts raised</li>
 *   <li>{@code signstream.monitor.crossengine.r} {model, method} — smallest Pearson r of the latest window's
 *       cross-engine pairs</li>
 *   <li>{@code signstream.monitor.refused} {reason: keys, map-size, pending-pairs} — records refused by the
 *       state bounds</li>
 *   <li>{@code signstream.monitor.late.dropped} — records after their window's grace period</li>
 *   <li>{@code signstream.monitor.unpaired} — cross-check halves whose other engine never answered</li>
 *   <li>{@code signstream.monitor.records} — explanation records the monitor has read (how far behind the
 *       explanations topic it is: {@code signstream loadtest} waits for it before it ends a phase)</li>
 * </ul>
 * Model and method tags come from keys admitted under {@code monitor.max.keys}, so they stay bounded.
 */
public final class MonitorMetrics {

  private final MeterRegistry registry;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final Map<String, AtomicReference<Double>> gauges = new ConcurrentHashMap<>();
  private final Map<String, Map<Integer, Double>> classScores = new ConcurrentHashMap<>();

  /** Read for every record, so made once rather than looked up by name. */
  private final Counter recordsRead;

  /** Meters in {@code registry}. */
  public MonitorMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.recordsRead = Counter.builder("signstream.monitor.records")
        .description("Explanation records the monitor has read").register(registry);
  }

  void refused(String reason) {
    counter("signstream.monitor.refused", "Records refused by the monitoring state bounds", "reason", reason).increment();
  }

  void recordRead() {
    recordsRead.increment();
  }

  void lateDropped() {
    counter("signstream.monitor.late.dropped", "Records after their window's grace period").increment();
  }

  void unpaired() {
    counter("signstream.monitor.unpaired", "Cross-check halves whose other engine never answered").increment();
  }

  void alert(String kind, String model, String method) {
    counter("signstream.monitor.alerts", "Monitoring alerts raised", "model", model, "method", method, "kind", kind)
        .increment();
  }

  /** The latest drift score of one key; the gauge shows the largest over the model's classes. */
  void driftScore(StatsKey key, double score) {
    String id = key.model() + '\u0000' + key.method();
    Map<Integer, Double> scores = classScores.computeIfAbsent(id, k -> new ConcurrentHashMap<>());
    scores.put(key.targetClass() == null ? Integer.MIN_VALUE : key.targetClass(), score);
    double max = scores.values().stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    gauge("signstream.monitor.drift.score", "Largest drift score (1 - cosine) in the latest windows", key).set(max);
  }

  void crossEngineR(StatsKey key, double r) {
    gauge("signstream.monitor.crossengine.r", "Smallest cross-engine Pearson r in the latest window", key).set(r);
  }

  private AtomicReference<Double> gauge(String name, String description, StatsKey key) {
    return gauges.computeIfAbsent(name + '\u0000' + key.model() + '\u0000' + key.method(), k -> {
      AtomicReference<Double> value = new AtomicReference<>(Double.NaN);
      Gauge.builder(name, value, AtomicReference::get).description(description)
          .tags("model", key.model(), "method", key.method()).register(registry);
      return value;
    });
  }

  private Counter counter(String name, String description, String... tags) {
    return counters.computeIfAbsent(name + '\u0000' + String.join("\u0000", tags),
        k -> Counter.builder(name).description(description).tags(tags).register(registry));
  }
}
