package io.signstream.engine.keras;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import java.util.Arrays;
import java.util.Optional;

/**
 * Typed reads from a Keras layer config. Keras 2, Keras 3 and TensorFlow.js write the same fields in slightly
 * different shapes (an int or a list for a tuple, an activation as a string or as a serialized object); these
 * helpers accept every shape so that the translators read one value, and fail with a one-line reason that names
 * the layer.
 */
final class KerasJson {

    private KerasJson() {
    }

    /** Parses JSON text; {@code what} names the file in the error. */
    static JsonObject parseObject(String text, String what) throws ExplainException {
        try {
            JsonElement e = JsonParser.parseString(text);
            if (!e.isJsonObject()) {
                throw new ExplainException(Kind.CORRUPT_MODEL, what + " is not a JSON object");
            }
            return e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new ExplainException(Kind.CORRUPT_MODEL, what + " is not valid JSON: " + firstLine(e.getMessage()),
                    e);
        }
    }

    static boolean has(JsonObject o, String key) {
        return o != null && o.has(key) && !o.get(key).isJsonNull();
    }

    static Optional<String> string(JsonObject o, String key) {
        if (!has(o, key) || !o.get(key).isJsonPrimitive()) {
            return Optional.empty();
        }
        return Optional.of(o.get(key).getAsString());
    }

    static String string(JsonObject o, String key, String fallback) {
        return string(o, key).orElse(fallback);
    }

    static boolean bool(JsonObject o, String key, boolean fallback) {
        return has(o, key) && o.get(key).isJsonPrimitive() ? o.get(key).getAsBoolean() : fallback;
    }

    static double number(KerasLayer layer, String key, double fallback) throws ExplainException {
        JsonObject o = layer.config();
        if (!has(o, key)) {
            return fallback;
        }
        try {
            return o.get(key).getAsDouble();
        } catch (RuntimeException e) {
            throw bad(layer, key, "a number");
        }
    }

    static int integer(KerasLayer layer, String key) throws ExplainException {
        JsonObject o = layer.config();
        if (!has(o, key)) {
            throw new ExplainException(Kind.CORRUPT_MODEL, layer.describe() + " has no '" + key + "' in its config");
        }
        try {
            return o.get(key).getAsInt();
        } catch (RuntimeException e) {
            throw bad(layer, key, "an integer");
        }
    }

    static int integer(KerasLayer layer, String key, int fallback) throws ExplainException {
        return has(layer.config(), key) ? integer(layer, key) : fallback;
    }

    /**
     * A per-axis tuple such as {@code kernel_size}: an int (repeated for every axis) or a list of {@code rank}
     * ints; {@code fallback} when absent or null.
     */
    static int[] tuple(KerasLayer layer, String key, int rank, int[] fallback) throws ExplainException {
        JsonObject o = layer.config();
        if (!has(o, key)) {
            if (fallback == null) {
                throw new ExplainException(Kind.CORRUPT_MODEL, layer.describe() + " has no '" + key
                        + "' in its config");
            }
            return fallback.clone();
        }
        JsonElement e = o.get(key);
        try {
            if (e.isJsonPrimitive()) {
                int[] out = new int[rank];
                Arrays.fill(out, e.getAsInt());
                return out;
            }
            JsonArray a = e.getAsJsonArray();
            if (a.size() != rank) {
                throw bad(layer, key, rank + " values");
            }
            int[] out = new int[rank];
            for (int i = 0; i < rank; i++) {
                out[i] = a.get(i).getAsInt();
            }
            return out;
        } catch (IllegalStateException | UnsupportedOperationException | NumberFormatException ex) {
            throw bad(layer, key, "an int or a list of " + rank + " ints");
        }
    }

    /** A shape list with {@code null} for unknown axes, as {@code -1}. */
    static long[] shape(JsonElement e) {
        JsonArray a = e.getAsJsonArray();
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).isJsonNull() ? -1 : a.get(i).getAsLong();
        }
        return out;
    }

    /**
     * An activation name: Keras 2 and TF.js write a string, Keras 3 may write a serialized function object
     * ({@code {"class_name": "function", "config": "relu"}}) or a layer object.
     */
    static String activation(KerasLayer layer, String key) throws ExplainException {
        JsonObject o = layer.config();
        if (!has(o, key)) {
            return "linear";
        }
        JsonElement e = o.get(key);
        if (e.isJsonPrimitive()) {
            return e.getAsString();
        }
        if (e.isJsonObject()) {
            JsonObject a = e.getAsJsonObject();
            if (has(a, "config") && a.get("config").isJsonPrimitive()) {
                return a.get("config").getAsString();
            }
            if (has(a, "class_name")) {
                return a.get("class_name").getAsString();
            }
        }
        throw bad(layer, key, "an activation name");
    }

    private static ExplainException bad(KerasLayer layer, String key, String expected) {
        return new ExplainException(Kind.CORRUPT_MODEL, layer.describe() + ": '" + key + "' = "
                + layer.config().get(key) + " is not " + expected);
    }

    /**
     * Gson's failure on a field of an unexpected type, short: {@code JsonPrimitive where JsonArray was expected}
     * rather than the class-cast text with class loaders.
     */
    static String describe(RuntimeException e) {
        String m = firstLine(e.getMessage()).replace("com.google.gson.", "");
        java.util.regex.Matcher cast = java.util.regex.Pattern
                .compile("class ([\\w.$]+) cannot be cast to class ([\\w.$]+)").matcher(m);
        if (cast.find()) {
            return simple(cast.group(1)) + " where " + simple(cast.group(2)) + " was expected";
        }
        return e.getClass().getSimpleName() + ": " + m;
    }

    private static String simple(String className) {
        return className.substring(className.lastIndexOf('.') + 1);
    }

    static String firstLine(String message) {
        if (message == null || message.isBlank()) {
            return "unknown error";
        }
        int nl = message.indexOf('\n');
        return (nl >= 0 ? message.substring(0, nl) : message).trim();
    }
}
