package io.signstream.engine.exec;

import io.signstream.engine.graph.ActivationKind;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Node;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The ReLU → max-pool pairs of a graph (VGG's and most small CNNs' blocks), which a reverse pass may cross in the
 * opposite order: the ReLU's rule at the pooled size, then the pooling. Exact for every {@link Propagation} whose
 * ReLU rule passes nothing where the ReLU's input is ≤ 0 and acts on each element of the signal on its own
 * ({@link Propagation#reluRuleMasksNonPositive()}: the gradient, guided backprop):
 * <ul>
 * <li>a window whose maximum a is positive holds the same maximal positions before and after the ReLU, so the
 * pooling routes the signal to the same element, where the ReLU's input is a: the mask is the same at the pooled
 * size;</li>
 * <li>a window with a ≤ 0 sends nothing either way: the ReLU's rule zeroes it before or after routing.</li>
 * </ul>
 * Why: the ReLU's rule then runs on a quarter of the elements (2×2 pooling). On digits_cnn/64 the two full-size
 * ReLU gradients were a fifth of a gradient map.
 *
 * <p>A pair qualifies when the pooling reads the ReLU's output and nothing else reads it; a pass that keeps the
 * signal at the ReLU (the Grad-CAM layer) or starts there crosses it as two nodes.
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
