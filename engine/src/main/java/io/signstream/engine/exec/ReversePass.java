package io.signstream.engine.exec;

import ai.djl.ndarray.NDArray;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.Node;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The reverse-pass driver: walks the graph from the output to the input, hands each node's upstream signal to a
 * {@link Propagation}, and sums the signals of tensors that feed several nodes.
 *
 * <pre>{@code
 * Activations acts = ForwardPass.run(model, x);
 * NDArray seed = Seeds.oneHot(acts.output(), targets);
 * NDArray grad = ReversePass.toInput(model, acts, seed, new GradientPropagation());
 * }</pre>
 */
public final class ReversePass {

    private ReversePass() {
    }

    /** The signal at the graph input. */
    public static NDArray toInput(BoundGraph model, Activations acts, NDArray seed, Propagation rules) {
        return run(model, acts, seed, rules, Set.of()).get(model.graph().inputName());
    }

    /**
     * Runs the pass and returns the signal at the graph input plus at every tensor named in {@code keep}
     * (e.g. the Grad-CAM layer).
     */
    public static Map<String, NDArray> run(BoundGraph model, Activations acts, NDArray seed, Propagation rules,
            Set<String> keep) {
        return run(model, acts, model.graph().output().name(), seed, rules, keep);
    }

    /**
     * The signal at the graph input for a pass that starts at node {@code from} instead of the output (guided
     * Grad-CAM back-propagates the sum of one layer's activations); {@code seed} has that node's output shape.
     */
    public static NDArray fromNode(BoundGraph model, Activations acts, String from, NDArray seed, Propagation rules) {
        return run(model, acts, from, seed, rules, Set.of()).get(model.graph().inputName());
    }

    private static Map<String, NDArray> run(BoundGraph model, Activations acts, String from, NDArray seed,
            Propagation rules, Set<String> keep) {
        Graph graph = model.graph();
        Set<String> inputLayers = graph.inputLayerNames();
        Map<String, Node> reluBeforePool = rules.reluRuleMasksNonPositive() ? model.reluBeforeMaxPool() : Map.of();
        Map<String, NDArray> pending = new HashMap<>();
        Map<String, NDArray> kept = new HashMap<>();
        pending.put(from, seed);
        List<Node> nodes = graph.nodes();
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Node node = nodes.get(i);
            NDArray upstream = pending.remove(node.name());
            if (upstream == null) {
                continue; // the node does not influence the output
            }
            if (keep.contains(node.name())) {
                kept.put(node.name(), upstream);
            }
            Node relu = reluBeforePool.get(node.name());
            if (relu != null && !keep.contains(relu.name())) {
                String reluInput = relu.inputs().get(0);
                // the pooling as it ran: the ReLU's input in, its maxima out
                NodeStep pool = new NodeStep(node, model, List.of(acts.get(reluInput)),
                        acts.pooledBeforeRelu(node.name()), false);
                pending.merge(reluInput, reluThenPool(pool, acts.get(node.name()), relu, upstream, rules),
                        NDArray::add);
                continue;
            }
            NodeStep step = new NodeStep(node, model, acts.inputsOf(node), acts.get(node.name()),
                    inputLayers.contains(node.name()));
            NDArray[] signals = rules.backward(step, upstream);
            for (int k = 0; k < signals.length; k++) {
                if (signals[k] != null) {
                    pending.merge(node.inputs().get(k), signals[k], NDArray::add);
                }
            }
        }
        NDArray atInput = pending.get(graph.inputName());
        if (atInput == null) {
            atInput = acts.input().zerosLike();
        }
        kept.put(graph.inputName(), atInput);
        return kept;
    }

    /**
     * The signal at the input of {@code relu}, which only {@code pool} reads: the ReLU's rule at the pooled size
     * (the windows' maxima in, their ReLU out: relu(max) > 0 exactly where max > 0), then the pooling's, routed by
     * the ReLU's input ({@code pool}'s step reads it): where the window's maximum is positive it sits at the same
     * places before and after the ReLU, elsewhere the signal is zero already. {@link ReluBeforeMaxPool} says more.
     */
    private static NDArray reluThenPool(NodeStep pool, NDArray reluOfMaxima, Node relu, NDArray upstream,
            Propagation rules) {
        NodeStep atPooledSize = new NodeStep(relu, pool.model(), List.of(pool.output()), reluOfMaxima, false);
        NDArray masked = rules.backward(atPooledSize, upstream)[0];
        return rules.backward(pool, masked)[0];
    }
}
