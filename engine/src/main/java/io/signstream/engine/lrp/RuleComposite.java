package io.signstream.engine.lrp;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.signstream.engine.exec.ForwardPass;
import io.signstream.engine.exec.GradientPropagation;
import io.signstream.engine.exec.NodeStep;
import io.signstream.engine.exec.Pooling;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Node;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An LRP composite: which {@link Rule} each kernel layer takes, and how relevance crosses every other layer
 * (METHODS.md §2.2, §3.1, iNNvestigate conventions):
 * <ul>
 * <li>Dense / Conv: the rule chosen by priority: a rule for the node's name, then the input-layer rule if the node
 * is an input layer ({@link io.signstream.engine.graph.Graph#inputLayerNames()}), then the rule for its layer
 * type.</li>
 * <li>activations, Dropout/Identity and same-shape constant operations: relevance passes unchanged;</li>
 * <li>max pooling (also global): the gradient, winner takes all, ties to the first maximum;</li>
 * <li>average pooling, global average pooling and residual Add: the z-rule with SafeDivide;</li>
 * <li>BatchNorm: iNNvestigate's dedicated rule R_in = SafeDivide(x·(y−β)·R, d + (2[d≥0]−1)·1e-7), d = (x−mean)·y,
 * whatever the kernel rules are;</li>
 * <li>Flatten, Reshape, Transpose, Concat, Pad: routed like the gradient.</li>
 * </ul>
 * The output relevance (onehot(c)·f_c) is the caller's seed; this class only crosses nodes.
 *
 * <pre>{@code
 * RuleComposite composite = RuleComposite.builder()
 *         .inputLayer(new Rule.Sign())
 *         .dense(new Rule.Epsilon(0.1))
 *         .conv(new Rule.AlphaBeta(1, 0))
 *         .build();
 * NDArray relevance = ReversePass.toInput(model, acts, seed, composite);
 * }</pre>
 */
public final class RuleComposite extends GradientPropagation implements LrpComposite {

    private final Rule inputLayerRule;
    private final Map<Class<? extends Layer>, Rule> typeRules;
    private final Map<String, Rule> nodeRules;

    private RuleComposite(Builder b) {
        this.inputLayerRule = b.inputLayerRule;
        this.typeRules = Collections.unmodifiableMap(new LinkedHashMap<>(b.typeRules));
        this.nodeRules = Collections.unmodifiableMap(new LinkedHashMap<>(b.nodeRules));
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Relevance crosses a ReLU unchanged, also where z ≤ 0 (the pooling then decides where it goes). */
    @Override
    public boolean reluRuleMasksNonPositive() {
        return false;
    }

    /** The same rule on every Dense and Conv layer, the input layer included ({@code LRP[all: rule]}). */
    public static RuleComposite uniform(Rule rule) {
        return builder().all(rule).build();
    }

    public Optional<Rule> inputLayerRule() {
        return Optional.ofNullable(inputLayerRule);
    }

    public Rule denseRule() {
        return typeRules.get(Layer.Dense.class);
    }

    public Rule convRule() {
        return typeRules.get(Layer.Conv.class);
    }

    /** Rules fixed for single nodes by name. */
    public Map<String, Rule> nodeRules() {
        return nodeRules;
    }

    /** The rule a kernel node takes (see the class comment for the priority). */
    public Rule ruleFor(Node node, boolean inputLayer) {
        Rule byName = nodeRules.get(node.name());
        if (byName != null) {
            return byName;
        }
        if (inputLayer && inputLayerRule != null) {
            return inputLayerRule;
        }
        Rule byType = typeRules.get(node.layer().getClass());
        if (byType == null) {
            throw new IllegalStateException("no LRP rule for layer type " + node.layer().kind() + " (node "
                    + node.name() + ")");
        }
        return byType;
    }

    @Override
    public String describe() {
        List<String> parts = new ArrayList<>();
        if (inputLayerRule != null) {
            parts.add("input: " + inputLayerRule.label());
        }
        Rule dense = denseRule();
        Rule conv = convRule();
        if (Objects.equals(dense, conv)) {
            parts.add("dense, conv: " + dense.label());
        } else {
            parts.add("dense: " + dense.label());
            parts.add("conv: " + conv.label());
        }
        nodeRules.forEach((name, rule) -> parts.add(name + ": " + rule.label()));
        return String.join("; ", parts);
    }

    @Override
    public String toString() {
        return "RuleComposite[" + describe() + "]";
    }

    @Override
    protected NDArray dense(NodeStep step, Layer.Dense d, NDArray r) {
        return LrpKernelRule.relevance(ruleFor(step.node(), step.inputLayer()), step, r);
    }

    @Override
    protected NDArray conv(NodeStep step, Layer.Conv c, NDArray r) {
        return LrpKernelRule.relevance(ruleFor(step.node(), step.inputLayer()), step, r);
    }

    /** Activations pass relevance unchanged (a Keras kernel layer's fused activation is analysed without it). */
    @Override
    protected NDArray activation(NodeStep step, Layer.Activation a, NDArray r) {
        return r;
    }

    /** z-rule: R_in = a ⊙ Pᵀ SafeDivide(R, P a); P a is the node's own output. */
    @Override
    protected NDArray avgPool(NodeStep step, Layer.AvgPool p, NDArray r) {
        NDArray s = Stabiliser.safeDivide(step.backend(), r, step.output());
        NDArray x = step.input();
        return x.mul(Pooling.avgPoolTranspose(step.backend(), s, p.spec(), p.countIncludePad(), x.getShape()));
    }

    /** Global average pooling by the z-rule; global max pooling keeps the gradient (winner takes all). */
    @Override
    protected NDArray globalPool(NodeStep step, Layer.GlobalPool p, NDArray r) {
        if (p.max()) {
            return super.globalPool(step, p, r);
        }
        NDArray x = step.input();
        long area = x.getShape().size() / (x.getShape().get(0) * x.getShape().get(1));
        NDArray s = Stabiliser.safeDivide(step.backend(), r.reshape(step.output().getShape()), step.output());
        return x.mul(s.div((float) area));
    }

    /** iNNvestigate's BatchNorm rule, used under every LRP rule (METHODS.md §2.2, canonical conventions). */
    @Override
    protected NDArray batchNorm(NodeStep step, Layer.BatchNorm bn, NDArray r) {
        NDArray x = step.input();
        NDArray y = step.output();
        int rank = x.getShape().dimension();
        NDArray beta = step.model().perChannel(step.model().array(bn.bias()), rank);
        NDArray mean = step.model().perChannel(step.model().array(bn.mean()), rank);
        NDArray numerator = x.mul(y.sub(beta)).mul(r);
        NDArray d = x.sub(mean).mul(y);
        return Stabiliser.safeDivide(step.backend(), numerator,
                d.add(step.backend().signPlus(d).mul(Stabiliser.KERAS_EPSILON)));
    }

    /** Residual sum by the z-rule: R_k = a_k ⊙ SafeDivide(R, Σ a). */
    @Override
    protected NDArray[] add(NodeStep step, NDArray r) {
        NDArray s = Stabiliser.safeDivide(step.backend(), r, step.output());
        NDArray[] out = new NDArray[step.inputs().size()];
        for (int k = 0; k < out.length; k++) {
            NDArray a = step.inputs().get(k);
            out[k] = GradientPropagation.sumToShape(a.mul(s), a.getShape());
        }
        return out;
    }

    /**
     * A constant combined with the tensor (input normalisation, scaling) keeps the shape, and SignXAI passes
     * relevance through every same-shape layer unchanged; a broadcasting one sums it back to the input's shape.
     */
    @Override
    protected NDArray constantOp(NodeStep step, Layer.ConstantOp op, NDArray r) {
        return GradientPropagation.sumToShape(r, step.input().getShape());
    }

    /** Bounded activations (ReLU6, hardtanh) pass relevance unchanged, like every activation (Zennit's Pass). */
    @Override
    protected NDArray clip(NodeStep step, Layer.Clip c, NDArray r) {
        return r;
    }

    /**
     * A gate x ⊙ g (squeeze-excitation): all relevance to the value operand, the gate held constant (AttnLRP
     * Prop. 3.2 with the gate as a constant). Without a gate the product is bilinear: AttnLRP's uniform rule,
     * half to each operand (Prop. 3.2), each share summed back over the axes it was broadcast along.
     */
    @Override
    protected NDArray[] multiply(NodeStep step, Layer.Multiply m, NDArray r) {
        NDArray a = step.inputs().get(0);
        NDArray b = step.inputs().get(1);
        if (m.gate() == 1) {
            return new NDArray[] {GradientPropagation.sumToShape(r, a.getShape()), null};
        }
        if (m.gate() == 0) {
            return new NDArray[] {null, GradientPropagation.sumToShape(r, b.getShape())};
        }
        NDArray half = r.mul(0.5f);
        return new NDArray[] {GradientPropagation.sumToShape(half, a.getShape()),
            GradientPropagation.sumToShape(half, b.getShape())};
    }

    /** A quotient by a computed tensor: the denominator is held constant, the numerator takes all relevance. */
    @Override
    protected NDArray[] divide(NodeStep step, NDArray r) {
        return new NDArray[] {GradientPropagation.sumToShape(r, step.inputs().get(0).getShape()), null};
    }

    /** A difference a − b by the z-rule of the sum a + (−b): R_a = a ⊙ s, R_b = −b ⊙ s, s = SafeDivide(R, a − b). */
    @Override
    protected NDArray[] subtract(NodeStep step, NDArray r) {
        NDArray s = Stabiliser.safeDivide(step.backend(), r, step.output());
        NDArray a = step.inputs().get(0);
        NDArray b = step.inputs().get(1);
        return new NDArray[] {GradientPropagation.sumToShape(a.mul(s), a.getShape()),
            GradientPropagation.sumToShape(b.neg().mul(s), b.getShape())};
    }

    /**
     * AttnLRP's rule for the bilinear product O = A·B (Prop. 3.3): the z-rule over the sum, then the uniform rule on
     * each product term: s = SafeDivide(R, 2·O), R_A = A ⊙ (s·Bᵀ), R_B = B ⊙ (Aᵀ·s).
     */
    @Override
    protected NDArray[] matMul(NodeStep step, NDArray r) {
        NDArray a = step.inputs().get(0);
        NDArray b = step.inputs().get(1);
        NDArray s = Stabiliser.safeDivide(step.backend(), r, step.output().mul(2f));
        return new NDArray[] {GradientPropagation.sumToShape(a.mul(s.matMul(swapLastTwo(b))), a.getShape()),
            GradientPropagation.sumToShape(b.mul(swapLastTwo(a).matMul(s)), b.getShape())};
    }

    /**
     * AttnLRP's softmax rule (Prop. 3.1, deep Taylor decomposition at x with the bias kept):
     * R_in = x ⊙ (R − s ⊙ Σ_axis R). Not conservative: Σ R_in = Σ x ⊙ R − (Σ x ⊙ s)(Σ R) per row.
     */
    @Override
    protected NDArray softmax(NodeStep step, Layer.Softmax sm, NDArray r) {
        int axis = sm.axis() < 0 ? sm.axis() + r.getShape().dimension() : sm.axis();
        return step.input().mul(r.sub(step.output().mul(r.sum(new int[] {axis}, true))));
    }

    /** LayerNorm by the identity rule, the mean and variance held constant (AttnLRP Prop. 3.4): R_in = R. */
    @Override
    protected NDArray layerNorm(NodeStep step, Layer.LayerNorm ln, NDArray r) {
        return r;
    }

    /** A mean by the z-rule (like global average pooling): R_in = x ⊙ SafeDivide(R, mean) / n. */
    @Override
    protected NDArray reduceMean(NodeStep step, Layer.ReduceMean rm, NDArray r) {
        NDArray s = Stabiliser.safeDivide(step.backend(), r, step.output());
        return step.input().mul(super.reduceMean(step, rm, s));
    }

    /**
     * Builds a composite: a rule per layer type (Dense, Conv), optionally per node name, and an input-layer rule.
     *
     * <pre>{@code
     * RuleComposite c = RuleComposite.builder().all(new Rule.Epsilon(0.1)).inputLayer(new Rule.Flat()).build();
     * }</pre>
     */
    public static final class Builder {

        private Rule inputLayerRule;
        private final Map<Class<? extends Layer>, Rule> typeRules = new LinkedHashMap<>();
        private final Map<String, Rule> nodeRules = new LinkedHashMap<>();

        private Builder() {
        }

        /** The rule for the input layer(s) (METHODS.md §2.1-14); SIGN and SIGNmu are only accepted here. */
        public Builder inputLayer(Rule rule) {
            this.inputLayerRule = Objects.requireNonNull(rule, "rule");
            return this;
        }

        /** The same rule for Dense and Conv layers. */
        public Builder all(Rule rule) {
            return dense(rule).conv(rule);
        }

        public Builder dense(Rule rule) {
            return layerType(Layer.Dense.class, rule);
        }

        /** Conv1d and Conv2d layers. */
        public Builder conv(Rule rule) {
            return layerType(Layer.Conv.class, rule);
        }

        /** The rule for a kernel layer type ({@link Layer.Dense} or {@link Layer.Conv}). */
        public Builder layerType(Class<? extends Layer> type, Rule rule) {
            Objects.requireNonNull(rule, "rule");
            if (type != Layer.Dense.class && type != Layer.Conv.class) {
                throw new IllegalArgumentException("LRP rules apply to Dense and Conv layers; "
                        + type.getSimpleName() + " is crossed by a fixed rule");
            }
            if (rule.inputLayerOnly()) {
                throw new IllegalArgumentException(rule.label()
                        + " is an input-layer rule; set it with inputLayer(...) or for a node by name");
            }
            typeRules.put(type, rule);
            return this;
        }

        /**
         * A rule for one node by name; wins over every other choice. Also the way to put an input-layer rule on a
         * layer that {@link io.signstream.engine.graph.Graph#inputLayerNames()} does not count as input layer
         * (e.g. behind an input normalisation).
         */
        public Builder node(String name, Rule rule) {
            nodeRules.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(rule, "rule"));
            return this;
        }

        /** @throws IllegalStateException when Dense or Conv has no rule */
        public RuleComposite build() {
            if (!typeRules.containsKey(Layer.Dense.class) || !typeRules.containsKey(Layer.Conv.class)) {
                throw new IllegalStateException("an LRP composite needs a rule for Dense and for Conv layers");
            }
            return new RuleComposite(this);
        }
    }
}
