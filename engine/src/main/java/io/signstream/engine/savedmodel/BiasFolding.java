package io.signstream.engine.savedmodel;

import io.signstream.engine.graph.ConstantOpKind;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Node;
import io.signstream.engine.graph.Weights;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Merges each bias add into the dense or convolution layer it follows.
 *
 * <p>Why: TensorFlow stores a layer's bias as a separate op ({@code BiasAdd}, or {@code Add} in hand-written TF1
 * graphs), but LRP rules treat the bias as part of the layer (the ε and z rules put it in the denominator,
 * iNNvestigate and Zennit alike), and Keras, ONNX and PyTorch imports carry it in the layer. Folding makes a
 * SavedModel explain like the same model from any other format.
 *
 * <p>A bias is folded only where the layer's output has no other reader, the layer has no bias yet, and the
 * constant varies at most along the channel axis (axis 1 of the graph tensor, which holds dense outputs and
 * channels-first convolution outputs alike).
 */
final class BiasFolding {

    private BiasFolding() {
    }

    /**
     * @param nodes topological order, the output last
     * @return the nodes with each foldable bias add merged into its layer, which keeps the layer's name
     */
    static List<Node> apply(List<Node> nodes) {
        Map<String, Integer> readers = new HashMap<>();
        nodes.forEach(n -> n.inputs().forEach(i -> readers.merge(i, 1, Integer::sum)));
        Map<String, Node> byName = new HashMap<>();
        nodes.forEach(n -> byName.put(n.name(), n));
        Map<String, String> renamed = new HashMap<>();
        Map<String, Node> merged = new HashMap<>();
        for (Node n : nodes) {
            if (!(n.layer() instanceof Layer.ConstantOp op) || op.op() != ConstantOpKind.ADD) {
                continue;
            }
            Node producer = byName.get(n.input());
            if (producer == null || readers.getOrDefault(producer.name(), 0) != 1 || merged.containsKey(
                    producer.name())) {
                continue;
            }
            Layer withBias = withBias(producer.layer(), op.constant());
            if (withBias != null) {
                merged.put(producer.name(), new Node(producer.name(), withBias, producer.inputs()));
                renamed.put(n.name(), producer.name());
            }
        }
        if (renamed.isEmpty()) {
            return nodes;
        }
        List<Node> out = new ArrayList<>();
        for (Node n : nodes) {
            if (merged.containsKey(n.name())) {
                continue; // placed where its bias add was, which comes after every input of both
            }
            String replacement = renamed.get(n.name());
            if (replacement != null) {
                out.add(merged.get(replacement));
                continue;
            }
            List<String> inputs = n.inputs().stream().map(i -> renamed.getOrDefault(i, i)).toList();
            out.add(new Node(n.name(), n.layer(), inputs));
        }
        return out;
    }

    /** The layer with the constant as its bias, or null when it cannot take it. */
    private static Layer withBias(Layer layer, Weights c) {
        long channels;
        if (layer instanceof Layer.Dense d && d.bias() == null) {
            channels = d.outFeatures();
        } else if (layer instanceof Layer.Conv conv && conv.bias() == null) {
            channels = conv.weight().dim(0);
        } else {
            return null;
        }
        long[] shape = c.shape();
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] != 1 && i != 1) {
                return null;
            }
        }
        long given = shape.length > 1 ? shape[1] : 1;
        if (given != 1 && given != channels) {
            return null;
        }
        float[] bias = new float[(int) channels];
        for (int i = 0; i < bias.length; i++) {
            bias[i] = c.data()[given == 1 ? 0 : i];
        }
        Weights b = new Weights(bias, new long[] {channels});
        if (layer instanceof Layer.Dense d) {
            return new Layer.Dense(d.weight(), b);
        }
        Layer.Conv conv = (Layer.Conv) layer;
        return new Layer.Conv(conv.weight(), b, conv.spec());
    }
}
