package io.signstream.engine.keras;

import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Puts named variables in the order Keras creates them (kernel before bias; gamma, beta, moving_mean,
 * moving_variance). Files list them in that order already; sorting by role guards against writers that list them
 * alphabetically, which would swap a BatchNorm's statistics silently.
 */
final class VariableOrder {

    private static final Map<String, Integer> RANK = Map.of("kernel", 0, "bias", 1, "gamma", 0, "beta", 1,
            "moving_mean", 2, "moving_variance", 3);

    private VariableOrder() {
    }

    /** The variables in Keras order when every name is a known role, else unchanged. */
    static List<KerasVariable> keras(List<KerasVariable> vars) {
        if (!vars.stream().allMatch(v -> RANK.containsKey(role(v.name())))) {
            return vars;
        }
        return vars.stream().sorted(Comparator.comparingInt(v -> RANK.get(role(v.name())))).toList();
    }

    /** {@code dense_1/kernel:0} → {@code kernel}. */
    static String role(String name) {
        String last = name.substring(name.lastIndexOf('/') + 1);
        int colon = last.indexOf(':');
        return colon >= 0 ? last.substring(0, colon) : last;
    }
}
