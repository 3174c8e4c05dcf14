package io.signstream.engine.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.signstream.engine.api.ExplainException;
import io.signstream.engine.exec.Activations;
import io.signstream.engine.exec.BoundGraph;
import io.signstream.engine.exec.ForwardPass;
import io.signstream.engine.exec.GradientPropagation;
import io.signstream.engine.exec.NodeStep;
import io.signstream.engine.exec.ReversePass;
import io.signstream.engine.graph.Layer;
import java.util.Arrays;

/**
 * DeepLIFT with the Rescale rule (Shrikumar et al., ICML 2017), as Captum's {@code DeepLift} computes it: the map
 * is (x − x̄) ⊙ m, where the multipliers m are the gradient of the target logit (seed onehot(c), not the logit as
 * in LRP) with every element-wise activation's derivative replaced by the secant Δout/Δin between the input x and
 * the reference x̄ (a constant, {@code reference_inputs}, default 0). Where |Δin| < 1e-10 the activation's own
 * derivative at x is used (Captum's threshold); clips (ReLU6, hardtanh) count as activations. Every other node keeps
 * its gradient: linear layers (dense, conv, batch norm, average pooling, add, concat, reshape), layer normalisation,
 * max pooling, and the products, quotients and in-graph softmaxes of computed tensors (Captum hooks only modules,
 * so a functional product gets the gradient there too).
 *
 * <p>Max pooling by its gradient is the {@code deeplift} package's default ({@code MaxPoolDeepLiftMode.gradient},
 * the package legacy SignXAI wraps) and what Captum computes when the pool follows an activation, as in
 * conv → ReLU → pool: Captum's hook on the activation reads the pool's plain gradient, not the pool's own
 * multiplier. Captum applies its own max-pool rule only to a pool fed directly by a linear layer; there the two
 * differ. When every non-linearity is element-wise (no max pooling, products, layer norm or softmax) the map sums
 * to f_c(x) − f_c(x̄); otherwise only approximately. The secant is used at every element-wise activation of the
 * graph (Captum: only at the activation modules it knows; nn.ReLU6, nn.SiLU and nn.GELU get the gradient there).
 */
final class DeepLift {

    /** Captum's threshold below which a difference counts as zero. */
    private static final float EPS = 1e-10f;

    private DeepLift() {
    }

    static NDArray map(BoundGraph model, NDArray x, int[] targets, MethodParams params) throws ExplainException {
        float reference = (float) params.number("reference_inputs", 0.0);
        int n = (int) x.getShape().get(0);
        int chunk = MethodRunner.chunkSize(x);
        if (n <= chunk) {
            return oneChunk(model, x, targets, reference);
        }
        NDList parts = new NDList();
        for (int from = 0; from < n; from += chunk) {
            int to = Math.min(n, from + chunk);
            parts.add(oneChunk(model, x.get(from + ":" + to), Arrays.copyOfRange(targets, from, to), reference));
        }
        return NDArrays.concat(parts, 0);
    }

    private static NDArray oneChunk(BoundGraph model, NDArray x, int[] targets, float reference) {
        NDManager caller = x.getManager();
        try (NDManager scope = model.backend().newManager()) {
            NDArray input = x.duplicate();
            input.attach(scope);
            NDArray baseline = input.zerosLike().add(reference);
            Activations acts = ForwardPass.run(model, input);
            Activations referenceActs = ForwardPass.run(model, baseline);
            NDArray seed = Seeds.oneHot(scope, targets, acts.output().getShape().get(1));
            NDArray multipliers = ReversePass.toInput(model, acts, seed, new Rescale(referenceActs));
            NDArray result = multipliers.mul(input.sub(baseline));
            result.attach(caller);
            return result;
        }
    }

    /** The Rescale rule's multipliers; every other node keeps its gradient. */
    static final class Rescale extends GradientPropagation {

        private final Activations reference;

        Rescale(Activations reference) {
            this.reference = reference;
        }

        /** The secant multiplier is not zero where the input is ≤ 0 (the reference may be above it). */
        @Override
        public boolean reluRuleMasksNonPositive() {
            return false;
        }

        @Override
        protected NDArray activation(NodeStep step, Layer.Activation a, NDArray g) {
            NDArray deltaIn = step.input().sub(referenceInput(step));
            NDArray deltaOut = step.output().sub(reference.get(step.node().name()));
            return secantOr(super.activation(step, a, g), g.mul(deltaOut), deltaIn);
        }

        /** A clip (ReLU6, hardtanh) is an element-wise activation too. */
        @Override
        protected NDArray clip(NodeStep step, Layer.Clip c, NDArray g) {
            NDArray deltaIn = step.input().sub(referenceInput(step));
            NDArray deltaOut = step.output().sub(reference.get(step.node().name()));
            return secantOr(super.clip(step, c, g), g.mul(deltaOut), deltaIn);
        }

        private NDArray referenceInput(NodeStep step) {
            return reference.inputsOf(step.node()).get(0);
        }

        /** numerator / Δin where |Δin| ≥ EPS, else the gradient (arithmetic masks: no 0/0 on either engine). */
        private static NDArray secantOr(NDArray gradient, NDArray numerator, NDArray deltaIn) {
            NDArray small = deltaIn.abs().lt(EPS).toType(DataType.FLOAT32, false);
            NDArray safe = deltaIn.add(small);
            return gradient.mul(small).add(numerator.div(safe).mul(small.neg().add(1f)));
        }
    }
}
