package io.signstream.dashboard;

import io.signstream.dashboard.messages.ExplanationMessage;
import io.vertx.core.json.JsonObject;

/**
 * What one browser wants to see; {@code null} matches anything. Applied on the server so that a busy pipeline
 * does not send a browser maps it would throw away.
 */
record ClientFilter(String model, String method, String engine) {

    static final ClientFilter ALL = new ClientFilter(null, null, null);

    /** @param json {@code {"model": …, "method": …, "engine": …}}; missing, null or "" means any */
    static ClientFilter fromJson(JsonObject json) {
        return new ClientFilter(value(json, "model"), value(json, "method"), value(json, "engine"));
    }

    boolean matches(ExplanationMessage m) {
        return matches(model, m.modelId()) && matches(method, m.method()) && matches(engine, m.engine());
    }

    /** A comparison involves both engines, so only model and method narrow it. */
    boolean matches(Comparison c) {
        return matches(model, c.left().modelId()) && matches(method, c.left().method());
    }

    JsonObject toJson() {
        return new JsonObject().put("model", model).put("method", method).put("engine", engine);
    }

    private static boolean matches(String wanted, String actual) {
        return wanted == null || wanted.equals(actual);
    }

    private static String value(JsonObject json, String field) {
        Object v = json.getValue(field);
        return v instanceof String s && !s.isEmpty() ? s : null;
    }
}
