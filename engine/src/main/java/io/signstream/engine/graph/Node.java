package io.signstream.engine.graph;

import java.util.List;

/**
 * One step of a model graph: a layer applied to the outputs of earlier nodes (or to the graph input).
 *
 * @param name unique name; importers keep the framework's own name (e.g. {@code features.3}) where there is one
 * @param layer what the node computes
 * @param inputs names of the nodes (or the graph input) it reads, in operand order
 */
public record Node(String name, Layer layer, List<String> inputs) {

    public Node {
        inputs = List.copyOf(inputs);
    }

    public Node(String name, Layer layer, String input) {
        this(name, layer, List.of(input));
    }

    public String input() {
        return inputs.get(0);
    }
}
