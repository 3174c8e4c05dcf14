package io.signstream.engine.method;

import io.signstream.engine.api.ExplainException;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks, without a model, every parameter value a parsed method will read when it runs: the checks
 * {@link MethodRunner} makes while computing, made up front, so that a service can refuse a request
 * before it queues any work for it. The Grad-CAM {@code layer_name} is the exception: whether a layer
 * exists depends on the model's graph, so it is checked when the model is loaded.
 *
 * <pre>{@code
 * MethodSpec spec = MethodNames.parse("integrated_gradients", MethodParams.of(Map.of("steps", "-3")));
 * List<String> problems = ParameterCheck.problems(spec); // ["parameter steps=-3 is out of range [2, 4096]"]
 * }</pre>
 */
public final class ParameterCheck {

    private ParameterCheck() {
    }

    /** What is wrong with the parameters {@code spec} reads, one sentence each; empty when nothing is. */
    public static List<String> problems(MethodSpec spec) {
        MethodParams p = spec.params();
        List<String> out = new ArrayList<>();
        switch (spec.family()) {
            case INTEGRATED_GRADIENTS -> {
                check(out, () -> p.integer("steps", 50, 2, MethodRunner.MAX_STEPS));
                check(out, () -> p.number("reference_inputs", 0.0));
            }
            case SMOOTHGRAD, VARGRAD -> {
                check(out, () -> p.integer("augment_by_n", 50, 1, MethodRunner.MAX_SAMPLES));
                check(out, () -> {
                    double sigma = p.number("noise_scale", 0.2);
                    if (sigma < 0) {
                        throw new ExplainException(ExplainException.Kind.BAD_PARAMETER,
                                "parameter noise_scale=" + sigma + " must be >= 0");
                    }
                });
                check(out, () -> p.seed(0L));
            }
            default -> {
                // the other families read their parameters while the name is parsed (LRP rules, mu)
            }
        }
        return out;
    }

    private interface Read {
        void run() throws ExplainException;
    }

    private static void check(List<String> out, Read read) {
        try {
            read.run();
        } catch (ExplainException e) {
            out.add(e.getMessage());
        }
    }
}
