package io.signstream.engine.exec;

import ai.djl.ndarray.NDArray;
import io.signstream.engine.graph.ActivationKind;
import io.signstream.engine.graph.Layer;

/** Guided backprop: at every ReLU the signal becomes relu(signal)·[z > 0]. */
public class GuidedBackpropPropagation extends GradientPropagation {

    @Override
    protected NDArray activation(NodeStep step, Layer.Activation a, NDArray g) {
        if (a.function() != ActivationKind.RELU) {
            return super.activation(step, a, g);
        }
        return super.activation(step, a, g.maximum(0f));
    }
}
