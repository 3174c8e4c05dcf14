package io.signstream.engine.onnx;

import io.signstream.engine.onnx.proto.OnnxProto;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Typed, defaulted access to one node's attributes. ONNX omits attributes that have their default value, so
 * every getter takes the spec's default.
 */
final class OnnxAttributes {

    private final Map<String, OnnxProto.Attribute> byName = new HashMap<>();

    private OnnxAttributes(OnnxProto.Node node) {
        for (OnnxProto.Attribute a : node.getAttributeList()) {
            byName.put(a.getName(), a);
        }
    }

    static OnnxAttributes of(OnnxProto.Node node) {
        return new OnnxAttributes(node);
    }

    boolean has(String name) {
        return byName.containsKey(name);
    }

    long getInt(String name, long defaultValue) {
        OnnxProto.Attribute a = byName.get(name);
        return a == null ? defaultValue : a.getI();
    }

    float getFloat(String name, float defaultValue) {
        OnnxProto.Attribute a = byName.get(name);
        return a == null ? defaultValue : a.getF();
    }

    String getString(String name, String defaultValue) {
        OnnxProto.Attribute a = byName.get(name);
        return a == null ? defaultValue : a.getS().toString(StandardCharsets.UTF_8);
    }

    /** The integer list, or null when the attribute is absent (callers decide what absence means). */
    long[] getInts(String name) {
        OnnxProto.Attribute a = byName.get(name);
        return a == null ? null : a.getIntsList().stream().mapToLong(Long::longValue).toArray();
    }

    /** The integer list as ints, or {@code defaultValue} filled to {@code length} entries when absent. */
    int[] getInts(String name, int length, int defaultValue) {
        long[] v = getInts(name);
        int[] out = new int[v == null ? length : v.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = v == null ? defaultValue : Math.toIntExact(v[i]);
        }
        return out;
    }

    float[] getFloats(String name) {
        OnnxProto.Attribute a = byName.get(name);
        if (a == null) {
            return null;
        }
        float[] out = new float[a.getFloatsCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.getFloats(i);
        }
        return out;
    }

    OnnxProto.Tensor getTensor(String name) {
        OnnxProto.Attribute a = byName.get(name);
        return a == null || !a.hasT() ? null : a.getT();
    }
}
