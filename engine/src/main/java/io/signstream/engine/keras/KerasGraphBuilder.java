package io.signstream.engine.keras;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import io.signstream.engine.graph.ActivationKind;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Node;
import io.signstream.engine.graph.NodeList;
import io.signstream.engine.graph.TensorLayout;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Collects graph nodes while a Keras config is translated, and converts tensors between the Keras layout and the
 * graph's channels-first layout on demand. A conversion is a {@link Layer.Transpose} node, made once per tensor
 * and reused by every reader: its gradient and LRP rule route the signal back exactly, so maps come out in the
 * Keras layout of the input.
 */
final class KerasGraphBuilder {

    private final String modelName;
    private final KerasTensor input;
    private final NodeList nodes;
    private final Map<String, KerasTensor> byLayer = new HashMap<>();
    private final Map<String, KerasTensor> converted = new HashMap<>();

    KerasGraphBuilder(String modelName, String inputName, long[] inputShape) {
        this.modelName = modelName;
        this.input = new KerasTensor(inputName, inputShape.clone(), false);
        this.nodes = new NodeList(inputName);
        byLayer.put(inputName, input);
    }

    String modelName() {
        return modelName;
    }

    /** The output of a translated layer (or the model input) by its Keras name. */
    KerasTensor tensor(String layerName) throws ExplainException {
        KerasTensor t = byLayer.get(layerName);
        if (t == null) {
            throw new ExplainException(Kind.CORRUPT_MODEL, modelName + ": no layer named '" + layerName + "'");
        }
        return t;
    }

    void define(String layerName, KerasTensor output) {
        byLayer.put(layerName, output);
    }

    /** Appends a node; a name that is taken (e.g. a layer named like the input) gets a numeric suffix. */
    String add(String name, Layer layer, List<String> inputs) {
        return nodes.add(name, layer, inputs);
    }

    String add(String name, Layer layer, String input) {
        return add(name, layer, List.of(input));
    }

    /**
     * Whether the node's values come from a sigmoid or hard sigmoid, looking back through reshapes and layout
     * transposes: the gate of a squeeze-excitation block.
     */
    boolean isGate(String node) {
        Map<String, Node> byName = new HashMap<>();
        nodes.nodes().forEach(n -> byName.put(n.name(), n));
        Node n = byName.get(node);
        while (n != null && (n.layer() instanceof Layer.Reshape || n.layer() instanceof Layer.Transpose
                || n.layer() instanceof Layer.Flatten)) {
            n = byName.get(n.input());
        }
        return n != null && n.layer() instanceof Layer.Activation a
                && (a.function() == ActivationKind.SIGMOID || a.function() == ActivationKind.HARD_SIGMOID);
    }

    /** The tensor as (N, C, spatial...): Conv, pooling, BatchNorm and padding read this. */
    KerasTensor channelsFirst(KerasTensor t) {
        if (t.channelsFirst() || t.layoutFree()) {
            return t;
        }
        return converted.computeIfAbsent(t.node() + "|cf", k -> {
            int r = t.sampleRank();
            int[] perm = new int[r + 1];
            perm[1] = r;
            for (int i = 2; i <= r; i++) {
                perm[i] = i - 1;
            }
            return new KerasTensor(add(t.node() + "/channels_first", new Layer.Transpose(perm), t.node()), t.shape(),
                    true);
        });
    }

    /** The tensor in the Keras layout (N, spatial..., C): Flatten and Reshape read this, and the model output. */
    KerasTensor channelsLast(KerasTensor t) {
        if (!t.channelsFirst() || t.layoutFree()) {
            return t;
        }
        return converted.computeIfAbsent(t.node() + "|cl", k -> {
            int r = t.sampleRank();
            int[] perm = new int[r + 1];
            for (int i = 1; i < r; i++) {
                perm[i] = i + 1;
            }
            perm[r] = 1;
            return new KerasTensor(add(t.node() + "/channels_last", new Layer.Transpose(perm), t.node()), t.shape(),
                    false);
        });
    }

    /** The same layout for every operand of an element-wise or concatenating layer: the first one's. */
    KerasTensor like(KerasTensor t, KerasTensor model) {
        return model.channelsFirst() ? channelsFirst(t) : channelsLast(t);
    }

    /**
     * The graph computing {@code output} (converted to the Keras layout), without nodes that do not contribute to
     * it. Nodes were appended after their inputs, so the output is the last node that remains.
     */
    Graph build(KerasTensor output) throws ExplainException {
        KerasTensor out = channelsLast(output);
        if (out.node().equals(input.node())) {
            throw new ExplainException(Kind.UNSUPPORTED_MODEL, modelName + ": the model output is its input");
        }
        Map<String, Node> byName = new HashMap<>();
        nodes.nodes().forEach(n -> byName.put(n.name(), n));
        Set<String> needed = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(out.node()));
        while (!todo.isEmpty()) {
            Node n = byName.get(todo.pop());
            if (n != null && needed.add(n.name())) {
                todo.addAll(n.inputs());
            }
        }
        List<Node> kept = nodes.nodes().stream().filter(n -> needed.contains(n.name())).toList();
        return new Graph(modelName, input.node(), input.shape(), layoutFor(input.sampleRank()), kept);
    }

    private static TensorLayout layoutFor(int sampleRank) {
        return switch (sampleRank) {
            case 1 -> TensorLayout.NC;
            case 2 -> TensorLayout.NTC;
            default -> TensorLayout.NHWC;
        };
    }
}
