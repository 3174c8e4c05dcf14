package io.signstream.engine.savedmodel;

import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Node;
import io.signstream.engine.graph.NodeList;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Collects model-graph nodes while TensorFlow ops are translated, and converts tensors between TensorFlow's
 * channels-last layout and the graph's channels-first one on demand.
 *
 * <p>A conversion is a {@link Layer.Transpose} node, made once per tensor and shared by every reader. Its
 * gradient and LRP rule route the signal back exactly, so maps come out in the input's own (NHWC) layout.
 */
final class GraphBuilder {

    private final NodeList nodes;
    private final Map<String, TfTensor> converted = new HashMap<>();

    GraphBuilder(String inputName) {
        this.nodes = new NodeList(inputName);
    }

    List<Node> nodes() {
        return nodes.nodes();
    }

    /**
     * Appends a node named after the TensorFlow op; a name already taken gets a numeric suffix.
     *
     * @return the node's name
     */
    String add(String name, Layer layer, List<String> inputs) {
        return nodes.add(name, layer, inputs);
    }

    String add(String name, Layer layer, String input) {
        return add(name, layer, List.of(input));
    }

    /** The tensor as (N, C, spatial...): convolution, pooling and batch norm read this. */
    TfTensor channelsFirst(TfTensor t) {
        if (t.channelsFirst() || !t.hasSpatialAxes()) {
            return t;
        }
        return converted.computeIfAbsent(t.node() + "|cf", k -> new TfTensor(
                add(t.node() + "/channels_first", new Layer.Transpose(toChannelsFirst(t.rank())), t.node()),
                t.shape(), true));
    }

    /** The tensor in TensorFlow's own axis order: reshapes, transposes and the model output read this. */
    TfTensor channelsLast(TfTensor t) {
        if (!t.channelsFirst()) {
            return t;
        }
        return converted.computeIfAbsent(t.node() + "|cl", k -> new TfTensor(
                add(t.node() + "/channels_last", new Layer.Transpose(toChannelsLast(t.rank())), t.node()),
                t.shape(), false));
    }

    /** {@code t} in the same layout as {@code model}: the operands of Add and Concat must agree. */
    TfTensor like(TfTensor t, TfTensor model) {
        return model.channelsFirst() ? channelsFirst(t) : channelsLast(t);
    }

    /** (N, spatial..., C) → (N, C, spatial...): output axis i reads input axis perm[i]. */
    static int[] toChannelsFirst(int rank) {
        int[] perm = new int[rank];
        perm[1] = rank - 1;
        for (int i = 2; i < rank; i++) {
            perm[i] = i - 1;
        }
        return perm;
    }

    static int[] toChannelsLast(int rank) {
        int[] perm = new int[rank];
        for (int i = 1; i < rank - 1; i++) {
            perm[i] = i + 1;
        }
        perm[rank - 1] = 1;
        return perm;
    }
}
