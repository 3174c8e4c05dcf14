package io.signstream.dashboard;

import io.signstream.dashboard.messages.DeadLetterMessage;
import io.signstream.dashboard.messages.ExplanationMessage;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The JSON text frames sent to browsers, each with a {@code type}: {@code hello}, {@code explanation},
 * {@code comparison}, {@code dead-letter}, {@code health}, {@code stats} and {@code ack}. A frame is encoded once
 * and written to every browser that takes it.
 */
final class Frames {

    private Frames() {
    }

    static String explanation(ExplanationMessage m, JsonObject view) {
        return describe(m).put("type", "explanation").put("view", view).encode();
    }

    static String comparison(Comparison c, JsonObject leftView, JsonObject rightView) {
        return new JsonObject().put("type", "comparison")
                .put("eventId", c.left().eventId()).put("modelId", c.left().modelId())
                .put("method", c.left().method())
                .put("pearson", finite(c.pearson())).put("maxAbsDiff", finite(c.maxAbsDiff()))
                .put("problem", c.problem())
                .put("left", describe(c.left()).put("view", leftView))
                .put("right", describe(c.right()).put("view", rightView))
                .encode();
    }

    static String deadLetter(DeadLetterMessage d) {
        return d.toJson().put("type", "dead-letter").encode();
    }

    static String health(JsonObject snapshot) {
        return snapshot.put("type", "health").encode();
    }

    static String stats(JsonObject counters) {
        return counters.put("type", "stats").encode();
    }

    static String ack(String what, Object value) {
        return new JsonObject().put("type", "ack").put("what", what).put("value", value).encode();
    }

    static String hello(JsonObject snapshot, DashboardOptions options) {
        return new JsonObject().put("type", "hello").put("health", snapshot)
                .put("maxFramesPerSecond", options.maxFramesPerSecond())
                .put("maxMapSide", options.maxMapSide()).encode();
    }

    /** Everything of a message except the arrays, which travel as the bounded view. */
    private static JsonObject describe(ExplanationMessage m) {
        JsonArray shape = new JsonArray();
        for (long d : m.inputShape()) {
            shape.add(d);
        }
        return new JsonObject()
                .put("eventId", m.eventId()).put("modelId", m.modelId()).put("modelVersion", m.modelVersion())
                .put("method", m.method()).put("engine", m.engine()).put("device", m.device())
                .put("target", m.target()).put("targetLabel", m.targetLabel()).put("logit", finite(m.logit()))
                .put("inputShape", shape).put("layout", m.layout())
                .put("min", finite(m.min())).put("max", finite(m.max())).put("sum", finite(m.sum()))
                .put("sharePositive", finite(m.sharePositive()))
                .put("queuedMillis", finite(m.queuedMillis())).put("computeMillis", finite(m.computeMillis()))
                .put("latencyMillis", finite(m.latencyMillis())).put("producedAtMillis", m.producedAtMillis());
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null; // JSON has no NaN or Infinity
    }
}
