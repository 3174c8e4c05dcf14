package io.signstream.stream.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.signstream.schemas.ErrorCode;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The pipeline's meters, in one place so that names and tags stay consistent between the topology,
 * the workers and {@code GET /metrics}.
 *
 * <ul>
 *   <li>{@code signstream.events.in} — requests read by the topology</li>
 *   <li>{@code signstream.tasks.routed} {model, method, engine} — tasks written</li>
 *   <li>{@code signstream.explanations.out} {model, method, engine} — explanations committed</li>
 *   <li>{@code signstream.dead.letters} {code, stage} — dead letters committed (stage: topology or worker)</li>
 *   <li>{@code signstream.batch.size} {model, method} — samples per explain call</li>
 *   <li>{@code signstream.queue.latency} {model, method} — routing to start of computation, per task</li>
 *   <li>{@code signstream.compute.latency} {model, method} — one explain call</li>
 *   <li>{@code signstream.worker.in.flight} {engine} — tasks polled and not yet committed</li>
 * </ul>
 * Model ids in tags are registry ids and method names have passed validation, so the tag sets stay
 * bounded; dead letters carry no model tag because unknown model ids are arbitrary strings.
 * Thread-safe.
 */
public final class PipelineMetrics {

  private final MeterRegistry registry;
  private final Counter eventsIn;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();
  private final Map<String, DistributionSummary> summaries = new ConcurrentHashMap<>();

  /** Meters registered in {@code registry}. */
  public PipelineMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.eventsIn = Counter.builder("signstream.events.in").description("Requests read by the topology").register(registry);
  }

  /** Meters kept in memory only (tests, tools). */
  public static PipelineMetrics inMemory() {
    return new PipelineMetrics(new SimpleMeterRegistry());
  }

  /** The underlying registry. */
  public MeterRegistry registry() {
    return registry;
  }

  /** One request read by the topology. */
  public void eventIn() {
    eventsIn.increment();
  }

  /** One task written for a worker. */
  public void taskRouted(String model, String method, String engine) {
    counter("signstream.tasks.routed", "Tasks routed to workers", "model", model, "method", method, "engine", engine)
        .increment();
  }

  /** One explanation committed. */
  public void explanationOut(String model, String method, String engine) {
    counter("signstream.explanations.out", "Explanations committed", "model", model, "method", method, "engine", engine)
        .increment();
  }

  /** One dead letter written; stage is "topology" or "worker". */
  public void deadLetter(ErrorCode code, String stage) {
    counter("signstream.dead.letters", "Dead letters written", "code", code.name(), "stage", stage).increment();
  }

  /** One explain call over {@code samples} samples that took {@code nanos}. */
  public void batch(String model, String method, int samples, long nanos) {
    String key = model + '\u0000' + method;
    summaries.computeIfAbsent("batch\u0000" + key, k -> DistributionSummary.builder("signstream.batch.size")
        .description("Samples per explain call").tags("model", model, "method", method)
        .publishPercentileHistogram().minimumExpectedValue(1.0).maximumExpectedValue(1024.0)
        .register(registry)).record(samples);
    timer("signstream.compute.latency", "Time of one explain call", model, method).record(nanos, TimeUnit.NANOSECONDS);
  }

  /** Time one task waited between routing and the start of its computation. */
  public void queued(String model, String method, long millis) {
    timer("signstream.queue.latency", "Routing to start of computation", model, method)
        .record(Math.max(0, millis), TimeUnit.MILLISECONDS);
  }

  /** Registers a gauge of tasks in flight for one worker instance; remove it from {@link #registry()} when the instance stops. */
  public Gauge inFlightGauge(String engine, String instance, Supplier<Number> value) {
    return Gauge.builder("signstream.worker.in.flight", value).description("Tasks polled and not yet committed")
        .tags("engine", engine, "instance", instance).register(registry);
  }

  /** Sum of the counters named {@code name} that carry {@code tags} (tests, the demo's summary); 0 if none. */
  public double count(String name, String... tags) {
    return registry.find(name).tags(tags).counters().stream().mapToDouble(Counter::count).sum();
  }

  private Counter counter(String name, String description, String... tags) {
    return counters.computeIfAbsent(name + '\u0000' + String.join("\u0000", tags),
        k -> Counter.builder(name).description(description).tags(tags).register(registry));
  }

  private Timer timer(String name, String description, String model, String method) {
    Function<String, Timer> make = k -> Timer.builder(name).description(description).tags("model", model, "method", method)
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(60))
        .register(registry);
    return timers.computeIfAbsent(name + '\u0000' + model + '\u0000' + method, make);
  }
}
