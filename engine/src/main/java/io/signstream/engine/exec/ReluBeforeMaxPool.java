package io.signstream.engine.exec;

import io.signstream.engine.graph.ActivationKind;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Node;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The ReLU → max-pool pairs of a graph (VGG's and most small CNNs' blocks), which both passes run in the opposite
 * order, on a fraction of the elements (a quarter with 2×2 pooling):
 * <ul>
 * <li>{@link ForwardPass} pools the ReLU's input and applies the ReLU to the pooled values: max and ReLU commute,
 * the pooling's output is the same. The ReLU's own full-size output is computed only when something asks for it
 * ({@link Activations}: LRP's routing, a Grad-CAM layer, DeepLift).</li>
 * <li>{@link ReversePass} applies the ReLU's rule at the pooled size, then routes through the pooling by the ReLU's
 * input, for every {@link Propagation} whose ReLU rule passes nothing where the ReLU's input is ≤ 0 and acts on
 * each element of the signal on its own ({@link Propagation#reluRuleMasksNonPositive()}: the gradient, guided
 * backprop). Exact: a window whose maximum a is positive holds it at the same positions before and after the
 * ReLU, so the pooling routes the signal to the same element, where the ReLU's input is a and the mask is the
 * same; a window with a ≤ 0 sends nothing either way.</li>
 * </ul>
 * On digits_cnn/64 the two full-size ReLU gradients were a fifth of a gradient's reverse pass.
 *
 * <p>A pair qualifies when the pooling reads the ReLU's output and nothing else reads it; a reverse pass that keeps
 * the signal at the ReLU (the Grad-CAM layer) or starts there crosses it as two nodes.
 */
final class ReluBeforeMaxPool {

    private ReluBeforeMaxPool() {
    }

    /** Max-pool node name → the ReLU node it reads, for every qualifying pair. */
    static Map<String, Node> pairs(Graph graph) {
        Map<String, Node> pairs = new HashMap<>();
        for (Node pool : graph.nodes()) {
            if (!(pool.layer() instanceof Layer.MaxPool) || pool.inputs().size() != 1) {
                continue;
            }
            String read = pool.inputs().get(0);
            Node relu = graph.findNode(read).orElse(null);
            if (relu != null && relu.layer() instanceof Layer.Activation a && a.function() == ActivationKind.RELU
                    && relu.inputs().size() == 1 && graph.consumersOf(read).equals(List.of(pool.name()))) {
                pairs.put(pool.name(), relu);
            }
        }
        return Map.copyOf(pairs);
    }
}
