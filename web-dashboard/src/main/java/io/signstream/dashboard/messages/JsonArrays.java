package io.signstream.dashboard.messages;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/** Conversions between JSON arrays and primitive arrays, with errors that name the offending field. */
final class JsonArrays {

    private JsonArrays() {
    }

    static JsonArray of(float[] values) {
        List<Object> list = new ArrayList<>(values.length);
        for (float v : values) {
            list.add(v);
        }
        return new JsonArray(list);
    }

    static JsonArray of(long[] values) {
        List<Object> list = new ArrayList<>(values.length);
        for (long v : values) {
            list.add(v);
        }
        return new JsonArray(list);
    }

    static float[] floats(JsonObject json, String field) {
        List<?> list = array(json, field).getList();
        float[] out = new float[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = number(list.get(i), field, i).floatValue();
        }
        return out;
    }

    static long[] longs(JsonObject json, String field) {
        List<?> list = array(json, field).getList();
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = number(list.get(i), field, i).longValue();
        }
        return out;
    }

    static String requiredString(JsonObject json, String field) {
        Object value = json.getValue(field);
        if (!(value instanceof String s)) {
            throw new IllegalArgumentException("field '" + field + "' must be a string, got " + describe(value));
        }
        return s;
    }

    static String optionalString(JsonObject json, String field) {
        Object value = json.getValue(field);
        if (value == null || value instanceof String) {
            return (String) value;
        }
        throw new IllegalArgumentException("field '" + field + "' must be a string or null, got " + describe(value));
    }

    static Number requiredNumber(JsonObject json, String field) {
        Object value = json.getValue(field);
        if (!(value instanceof Number n)) {
            throw new IllegalArgumentException("field '" + field + "' must be a number, got " + describe(value));
        }
        return n;
    }

    private static JsonArray array(JsonObject json, String field) {
        Object value = json.getValue(field);
        if (!(value instanceof JsonArray array)) {
            throw new IllegalArgumentException("field '" + field + "' must be an array, got " + describe(value));
        }
        return array;
    }

    // Reads the backing list: JsonArray.getValue(i) wraps every element and costs ~50x more per value,
    // which for a 64×64 map was most of the dashboard's time per message.
    private static Number number(Object value, String field, int index) {
        if (!(value instanceof Number n)) {
            throw new IllegalArgumentException("field '" + field + "[" + index + "]' must be a number, got " + describe(value));
        }
        return n;
    }

    private static String describe(Object value) {
        return value == null ? "nothing" : value.getClass().getSimpleName();
    }
}
