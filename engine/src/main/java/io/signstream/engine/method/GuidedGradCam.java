package io.signstream.engine.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.signstream.engine.api.ExplainException;
import io.signstream.engine.exec.Activations;
import io.signstream.engine.exec.BoundGraph;
import io.signstream.engine.exec.ForwardPass;
import io.signstream.engine.exec.GuidedBackpropPropagation;
import io.signstream.engine.exec.ReversePass;
import io.signstream.engine.graph.Node;

/**
 * Guided Grad-CAM as legacy SignXAI computes it (METHODS.md §2.3): GBP_L ⊙ CAM_L, where GBP_L = ∂(Σ A_L)/∂x is
 * guided backprop of the sum of all activations of the Grad-CAM layer L (seed 1 at every element of A_L, so it is
 * not class-specific, unlike Captum's {@code GuidedGradCam}), and CAM_L is the normalised Grad-CAM map of the
 * target class at L, resized to the input and broadcast over its channels. L is {@code layer_name}, else the
 * Grad-CAM default layer.
 */
final class GuidedGradCam {

    private GuidedGradCam() {
    }

    static NDArray map(BoundGraph model, NDArray x, int[] targets, MethodParams params) throws ExplainException {
        Node layer = GradCam.layer(model.graph(), params);
        NDArray cam = GradCam.image(model, x, targets, params);
        NDManager caller = x.getManager();
        NDArray guided;
        try (NDManager scope = model.backend().newManager()) {
            NDArray input = x.duplicate();
            input.attach(scope);
            Activations acts = ForwardPass.run(model, input);
            NDArray seed = acts.get(layer.name()).onesLike();
            guided = ReversePass.fromNode(model, acts, layer.name(), seed, new GuidedBackpropPropagation());
            guided.attach(caller);
        }
        return guided.mul(cam.broadcast(x.getShape()));
    }
}
