package io.signstream.engine.exec;

import ai.djl.ndarray.NDArray;
import io.signstream.engine.graph.ActivationKind;
import io.signstream.engine.graph.Layer;

/** DeconvNet: at every ReLU the signal becomes relu(signal), without the forward mask. */
public class DeconvNetPropagation extends GradientPropagation {

    /** relu(g) passes signal where z ≤ 0. */
    @Override
    public boolean reluRuleMasksNonPositive() {
        return false;
    }

    @Override
    protected NDArray activation(NodeStep step, Layer.Activation a, NDArray g) {
        if (a.function() != ActivationKind.RELU) {
            return super.activation(step, a, g);
        }
        return g.maximum(0f);
    }
}
