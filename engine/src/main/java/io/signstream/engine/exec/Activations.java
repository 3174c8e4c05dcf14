package io.signstream.engine.exec;

import ai.djl.ndarray.NDArray;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.Node;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The values of every tensor of one forward pass: the graph input and each node's output. A value the pass did not
 * need (a ReLU that only a max pooling reads, {@link ReluBeforeMaxPool}) is computed when first asked for.
 */
public final class Activations {

    private final Graph graph;
    private final Map<String, NDArray> values = new HashMap<>();
    private final Map<String, Supplier<NDArray>> deferred = new HashMap<>();
    private final Map<String, NDArray> pooledBeforeRelu = new HashMap<>();

    Activations(Graph graph, NDArray input) {
        this.graph = graph;
        values.put(graph.inputName(), input);
    }

    void put(String name, NDArray value) {
        values.put(name, value);
    }

    /** A value computed on first {@link #get}, in the managers of the arrays it reads. */
    void defer(String name, Supplier<NDArray> value) {
        deferred.put(name, value);
    }

    /**
     * The maxima of a max pooling that ran before its ReLU ({@link ReluBeforeMaxPool}), by the pooling's name: its
     * output is their ReLU, and the reverse pass routes by the maxima themselves.
     */
    void putPooledBeforeRelu(String pool, NDArray maxima) {
        pooledBeforeRelu.put(pool, maxima);
    }

    /** See {@link #putPooledBeforeRelu}; null where the pooling did not run before its ReLU. */
    NDArray pooledBeforeRelu(String pool) {
        return pooledBeforeRelu.get(pool);
    }

    /** Whether the value is computed already (not deferred or first asked for). */
    boolean computed(String name) {
        return values.containsKey(name);
    }

    public NDArray get(String name) {
        NDArray v = values.get(name);
        if (v == null) {
            Supplier<NDArray> later = deferred.remove(name);
            if (later == null) {
                throw new IllegalArgumentException("no activation named " + name);
            }
            v = later.get();
            values.put(name, v);
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
