package io.signstream.engine.method;

import io.signstream.engine.api.ExplainException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Method parameters as the user gave them ({@code --param k=v}, the Kafka event's map), with typed access.
 * Names are the TensorFlow-side names of METHODS.md; the PyTorch-side aliases are accepted and mapped:
 * {@code num_samples→augment_by_n}, {@code noise_level→noise_scale}, {@code ig_steps→steps},
 * {@code target_layer/last_conv_layer_name→layer_name}, {@code target_class/neuron_selection→target}.
 *
 * <pre>{@code
 * MethodParams p = MethodParams.of(Map.of("steps", "64", "seed", "7"));
 * int steps = p.integer("steps", 50);
 * }</pre>
 */
public final class MethodParams {

    private static final Map<String, String> ALIASES = Map.of(
            "num_samples", "augment_by_n",
            "noise_level", "noise_scale",
            "ig_steps", "steps",
            "target_layer", "layer_name",
            "last_conv_layer_name", "layer_name",
            "layer", "layer_name",
            "target_class", "target",
            "neuron_selection", "target",
            "stdx", "stdfactor");

    private final Map<String, String> values;

    private MethodParams(Map<String, String> values) {
        this.values = values;
    }

    public static MethodParams empty() {
        return new MethodParams(Map.of());
    }

    public static MethodParams of(Map<String, String> raw) {
        Map<String, String> v = new HashMap<>();
        raw.forEach((k, val) -> v.put(canonical(k), val));
        return new MethodParams(Map.copyOf(v));
    }

    /** This set of parameters with {@code key} set (used by name-grammar values such as {@code _steps_100}). */
    public MethodParams with(String key, String value) {
        Map<String, String> v = new HashMap<>(values);
        v.put(canonical(key), value);
        return new MethodParams(Map.copyOf(v));
    }

    /** The parameter unless the user set it: values written into a method name are defaults the user overrides. */
    public MethodParams withDefault(String key, String value) {
        return values.containsKey(canonical(key)) ? this : with(key, value);
    }

    public Map<String, String> asMap() {
        return values;
    }

    public Optional<String> text(String key) {
        return Optional.ofNullable(values.get(canonical(key)));
    }

    public double number(String key, double fallback) throws ExplainException {
        String v = values.get(canonical(key));
        if (v == null) {
            return fallback;
        }
        try {
            double d = Double.parseDouble(v.trim());
            if (!Double.isFinite(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new ExplainException(ExplainException.Kind.BAD_PARAMETER,
                    "parameter " + key + "=" + v + " is not a finite number");
        }
    }

    public int integer(String key, int fallback) throws ExplainException {
        String v = values.get(canonical(key));
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new ExplainException(ExplainException.Kind.BAD_PARAMETER,
                    "parameter " + key + "=" + v + " is not an integer");
        }
    }

    /** An integer parameter that must lie in [min, max]. */
    public int integer(String key, int fallback, int min, int max) throws ExplainException {
        int v = integer(key, fallback);
        if (v < min || v > max) {
            throw new ExplainException(ExplainException.Kind.BAD_PARAMETER,
                    "parameter " + key + "=" + v + " is out of range [" + min + ", " + max + "]");
        }
        return v;
    }

    public long seed(long fallback) throws ExplainException {
        String v = values.get("seed");
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new ExplainException(ExplainException.Kind.BAD_PARAMETER, "parameter seed=" + v + " is not an integer");
        }
    }

    static String canonical(String key) {
        String k = key.trim().toLowerCase(Locale.ROOT);
        return ALIASES.getOrDefault(k, k);
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
