package io.signstream.engine.lrp;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.signstream.engine.backend.Backend;
import io.signstream.engine.exec.BoundGraph;
import io.signstream.engine.exec.NodeStep;
import io.signstream.engine.graph.ConvSpec;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Weights;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The one evaluation of every {@link Rule} on a Dense or Conv layer. For each term group:
 * z = Σ_terms layer(input', W', b'), s = coefficient · stabilise(R, z), and R_in += relevanceInput' ⊙ W'ᵀ s, where
 * "W'ᵀ s" is s·W' for Dense and the transposed convolution ({@link Backend#convTranspose}) for Conv. Only DJL
 * NDArray operations and {@link Backend} methods are used, so the same code runs on every engine.
 *
 * <pre>{@code
 * NDArray rIn = LrpKernelRule.relevance(new Rule.Epsilon(0.1), step, upstreamRelevance);
 * }</pre>
 */
public final class LrpKernelRule {

    private LrpKernelRule() {
    }

    /**
     * @param rule the rule for this layer
     * @param step a Dense or Conv node with its forward values
     * @param upstream the relevance at the node's output
     * @return the relevance at the node's input
     */
    public static NDArray relevance(Rule rule, NodeStep step, NDArray upstream) {
        Kernel kernel = Kernel.of(step);
        NDArray x = step.input();
        Map<InputModifier, NDArray> inputs = new HashMap<>();
        boolean noNegativePart = readsNegativePart(rule) && !x.lt(0f).any().getBoolean();
        NDArray result = null;
        for (TermGroup group : rule.groups()) {
            NDArray z = denominator(group, kernel, x, step, inputs, noNegativePart);
            NDArray s = rule.stabiliser().divide(step.backend(), upstream, z, x);
            if (group.coefficient() != 1.0) {
                s = s.mul((float) group.coefficient());
            }
            for (Term term : group.terms()) {
                if (noNegativePart && term.relevanceInput() == InputModifier.NEGATIVE) {
                    continue; // its relevance is x⁻ ⊙ …, zero everywhere
                }
                NDArray back = kernel.backward(s, term.weight(), x.getShape());
                NDArray contribution = term.relevanceInput() instanceof InputModifier.Ones ? back
                        : back.mul(inputs.computeIfAbsent(term.relevanceInput(), m -> m.apply(x)));
                result = result == null ? contribution : result.add(contribution);
            }
        }
        return result != null ? result : x.zerosLike();
    }

    /**
     * Whether a term of the rule reads x⁻ = min(x, 0) (AlphaBeta, ZPlus). Most layers' inputs come out of a ReLU and
     * have no negative values; such a term is then the layer's bias alone in the denominator and nothing in the
     * relevance, and its convolution and transpose are skipped (AlphaBeta(1, 0): two of its four).
     */
    private static boolean readsNegativePart(Rule rule) {
        for (TermGroup group : rule.groups()) {
            for (Term term : group.terms()) {
                if (term.input() == InputModifier.NEGATIVE || term.relevanceInput() == InputModifier.NEGATIVE) {
                    return true;
                }
            }
        }
        return false;
    }

    private static NDArray denominator(TermGroup group, Kernel kernel, NDArray x, NodeStep step,
            Map<InputModifier, NDArray> inputs, boolean noNegativePart) {
        List<Term> terms = group.terms();
        Term first = terms.get(0);
        if (terms.size() == 1 && first.input() instanceof InputModifier.Identity
                && first.weight() == ParamModifier.KEEP && first.bias() == ParamModifier.KEEP) {
            // the unmodified layer: its forward output is z already, no need to run it again
            return step.output();
        }
        NDArray z = null;
        for (Term term : terms) {
            NDArray part;
            if (noNegativePart && term.input() == InputModifier.NEGATIVE) {
                part = kernel.biasAlone(term.bias(), step.output().getShape()); // the layer of x⁻ = 0
                if (part == null) {
                    continue;
                }
            } else {
                NDArray in = inputs.computeIfAbsent(term.input(), m -> m.apply(x));
                part = kernel.forward(in, term.weight(), term.bias());
            }
            z = z == null ? part : z.add(part);
        }
        return z != null ? z : step.output().zerosLike();
    }

    /**
     * Parameters of at most this many values keep their modified forms (W⁺, W⁻, …) with the model
     * ({@link BoundGraph#derived}); larger ones (VGG16's first Dense kernel, 103 M values) derive them per call,
     * where that is a small part of the call's time, rather than hold extra copies of the model's largest arrays.
     */
    static final long KEPT_MODIFIED_VALUES = 1L << 22;

    /** A Dense or Conv layer with memoised modified parameters, for one backward call. */
    private abstract static class Kernel {

        final BoundGraph model;
        final NDArray weight;
        final NDArray bias;
        final Weights rawWeight;
        private final Weights rawBias;
        /** Per-call modified parameters live in the request's manager, not in the model's (they would pile up). */
        final NDManager scratch;
        private final Map<ParamModifier, NDArray> weights = new EnumMap<>(ParamModifier.class);
        private final Map<ParamModifier, NDArray> biases = new EnumMap<>(ParamModifier.class);

        Kernel(NodeStep step, Weights w, Weights b) {
            this.model = step.model();
            this.weight = model.array(w);
            this.bias = model.array(b);
            this.rawWeight = w;
            this.rawBias = b;
            this.scratch = step.input().getManager();
        }

        static Kernel of(NodeStep step) {
            Layer layer = step.node().layer();
            if (layer instanceof Layer.Dense d) {
                return new DenseKernel(step, d);
            } else if (layer instanceof Layer.Conv c) {
                return new ConvKernel(step, c);
            }
            throw new IllegalArgumentException("LRP kernel rules apply to Dense and Conv layers, not to "
                    + layer.kind() + " (node " + step.node().name() + ")");
        }

        NDArray weight(ParamModifier m) {
            return weights.computeIfAbsent(m, k -> modified(rawWeight, weight, k));
        }

        NDArray bias(ParamModifier m) {
            if (bias == null || m == ParamModifier.DROP) {
                return null;
            }
            return biases.computeIfAbsent(m, k -> modified(rawBias, bias, k));
        }

        private NDArray modified(Weights raw, NDArray array, ParamModifier m) {
            if (m == ParamModifier.KEEP) {
                return array;
            }
            if (raw.size() <= KEPT_MODIFIED_VALUES) {
                return model.derived(raw, m, m::apply);
            }
            NDArray a = m.apply(array);
            if (a != null) {
                a.attach(scratch);
            }
            return a;
        }

        abstract NDArray forward(NDArray input, ParamModifier w, ParamModifier b);

        /** The layer's output for an all-zero input: the modified bias, broadcast to {@code out}; null without one. */
        NDArray biasAlone(ParamModifier b, Shape out) {
            NDArray bb = bias(b);
            if (bb == null) {
                return null;
            }
            long[] channels = new long[out.dimension()];
            Arrays.fill(channels, 1);
            channels[1] = out.get(1);
            return bb.reshape(new Shape(channels)).broadcast(out);
        }

        abstract NDArray backward(NDArray signal, ParamModifier w, Shape inputShape);
    }

    /** y = x·Wᵀ + b; backward through W is s·W. */
    private static final class DenseKernel extends Kernel {

        private final Map<ParamModifier, NDArray> transposed = new EnumMap<>(ParamModifier.class);

        DenseKernel(NodeStep step, Layer.Dense d) {
            super(step, d.weight(), d.bias());
        }

        @Override
        NDArray forward(NDArray input, ParamModifier w, ParamModifier b) {
            NDArray wt = transposed.computeIfAbsent(w, k -> k == ParamModifier.KEEP ? model.transposedArray(rawWeight)
                    : weight(k).transpose());
            NDArray y = input.matMul(wt);
            NDArray bb = bias(b);
            return bb == null ? y : y.add(bb);
        }

        @Override
        NDArray backward(NDArray signal, ParamModifier w, Shape inputShape) {
            return signal.matMul(weight(w));
        }
    }

    /** The layer's own convolution; backward through W is the transposed convolution with the same geometry. */
    private static final class ConvKernel extends Kernel {

        private final Backend backend;
        private final ConvSpec spec;

        ConvKernel(NodeStep step, Layer.Conv c) {
            super(step, c.weight(), c.bias());
            this.backend = step.backend();
            this.spec = c.spec();
        }

        @Override
        NDArray forward(NDArray input, ParamModifier w, ParamModifier b) {
            return backend.conv(input, weight(w), bias(b), spec);
        }

        @Override
        NDArray backward(NDArray signal, ParamModifier w, Shape inputShape) {
            return backend.convTranspose(signal, weight(w), spec, inputShape);
        }
    }
}
