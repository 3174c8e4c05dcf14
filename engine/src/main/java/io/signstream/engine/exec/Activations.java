package io.signstream.engine.exec;

import ai.djl.ndarray.NDArray;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.Node;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The values of every tensor of one forward pass: the graph input and each node's output. */
public final class Activations {

    private final Graph graph;
    private final Map<String, NDArray> values = new HashMap<>();

    Activations(Graph graph, NDArray input) {
        this.graph = graph;
        values.put(graph.inputName(), input);
    }

    void put(String name, NDArray value) {
        values.put(name, value);
    }

    public NDArray get(String name) {
        NDArray v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no activation named " + name);
        }
        return v;
    }

    public NDArray input() {
        return get(graph.inputName());
    }

    /** The model output (logits), shape (N, classes). */
    public NDArray output() {
        return get(graph.output().name());
    }

    public List<NDArray> inputsOf(Node node) {
        return node.inputs().stream().map(this::get).toList();
    }
}
