package io.signstream.dashboard;

import io.signstream.dashboard.messages.DeadLetterMessage;
import io.signstream.dashboard.messages.ExplanationMessage;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Health figures per model and method (throughput, p50/p95 of queued + compute latency, totals) and dead letters
 * by error code with the most recent reasons. Used from the verticle's event loop only, so it needs no locks.
 * Every map is bounded: a pipeline that invents model ids or error codes cannot grow the dashboard's memory.
 */
final class HealthAggregator {

    /** Bound on distinct model/method pairs, error codes and catalogue entries; the rest is pooled as "(other)". */
    static final int MAX_KEYS = 256;
    static final String OTHER = "(other)";

    private final int windowSeconds;
    private final int latencySamples;
    private final int recentDeadLetters;
    private final Map<String, Stats> stats = new LinkedHashMap<>();
    private final Map<String, Long> deadLettersByCode = new TreeMap<>();
    private final Deque<DeadLetterMessage> recent = new ArrayDeque<>();
    private final TreeSet<String> models = new TreeSet<>();
    private final TreeSet<String> methods = new TreeSet<>();
    private final TreeSet<String> engines = new TreeSet<>();
    private long explanations;
    private long invalid;
    private long deadLetters;
    private long comparisons;

    HealthAggregator(int windowSeconds, int latencySamples, int recentDeadLetters) {
        this.windowSeconds = windowSeconds;
        this.latencySamples = latencySamples;
        this.recentDeadLetters = recentDeadLetters;
    }

    void record(ExplanationMessage m, long nowMillis) {
        explanations++;
        remember(models, m.modelId());
        remember(methods, m.method());
        remember(engines, m.engine());
        String key = m.modelId() + '\u0000' + m.method();
        Stats s = stats.get(key);
        if (s == null) {
            s = stats.size() < MAX_KEYS
                    ? stats.computeIfAbsent(key, k -> new Stats(m.modelId(), m.method()))
                    : stats.computeIfAbsent(OTHER, k -> new Stats(OTHER, OTHER));
        }
        s.total++;
        s.rate.record(nowMillis);
        s.latency.record(m.latencyMillis());
    }

    void record(DeadLetterMessage d) {
        deadLetters++;
        String code = deadLettersByCode.containsKey(d.errorCode()) || deadLettersByCode.size() < MAX_KEYS
                ? d.errorCode() : OTHER;
        deadLettersByCode.merge(code, 1L, Long::sum);
        recent.addFirst(d);
        while (recent.size() > recentDeadLetters) {
            recent.removeLast();
        }
    }

    void invalidMessage() {
        invalid++;
    }

    long invalidCount() {
        return invalid;
    }

    void comparison() {
        comparisons++;
    }

    long explanations() {
        return explanations;
    }

    /** @return the snapshot served on /api/dashboard/health and pushed to browsers every second */
    JsonObject snapshot(long nowMillis) {
        JsonArray rows = new JsonArray();
        for (Stats s : stats.values()) {
            rows.add(new JsonObject().put("model", s.model).put("method", s.method).put("count", s.total)
                    .put("eventsPerSecond", s.rate.perSecond(nowMillis))
                    .put("p50Millis", finite(s.latency.percentile(0.50)))
                    .put("p95Millis", finite(s.latency.percentile(0.95)))
                    .put("latencySamples", s.latency.size()));
        }
        JsonArray recentJson = new JsonArray();
        recent.forEach(d -> recentJson.add(d.toJson()));
        return new JsonObject()
                .put("timeMillis", nowMillis).put("windowSeconds", windowSeconds)
                .put("explanations", explanations).put("invalidMessages", invalid).put("comparisons", comparisons)
                .put("models", rows)
                .put("deadLetters", new JsonObject().put("total", deadLetters)
                        .put("byCode", new JsonObject(new LinkedHashMap<>(deadLettersByCode)))
                        .put("recent", recentJson))
                .put("catalog", new JsonObject().put("models", new JsonArray(models.stream().toList()))
                        .put("methods", new JsonArray(methods.stream().toList()))
                        .put("engines", new JsonArray(engines.stream().toList())));
    }

    private static void remember(TreeSet<String> set, String value) {
        if (set.size() < MAX_KEYS || set.contains(value)) {
            set.add(value);
        }
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null; // JSON has no NaN
    }

    /** Figures of one model and method. */
    private final class Stats {
        final String model;
        final String method;
        final RateWindow rate = new RateWindow(windowSeconds);
        final LatencyWindow latency = new LatencyWindow(latencySamples);
        long total;

        Stats(String model, String method) {
            this.model = model;
            this.method = method;
        }
    }
}
