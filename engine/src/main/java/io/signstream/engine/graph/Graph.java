package io.signstream.engine.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A model as a small DAG of typed nodes: what makes the two engines interchangeable and what LRP walks backwards.
 * Nodes are kept in topological order; the output is the last node and holds logits (a trailing softmax is
 * removed by the importers).
 *
 * <pre>{@code
 * Graph g = new Graph("mlp", "input", new long[] {20}, TensorLayout.NC, List.of(
 *         new Node("fc1", new Layer.Dense(w1, b1), "input"),
 *         new Node("relu1", Layer.Activation.of(ActivationKind.RELU), "fc1"),
 *         new Node("fc2", new Layer.Dense(w2, b2), "relu1")));
 * }</pre>
 */
public final class Graph {

    private final String name;
    private final String inputName;
    private final long[] sampleShape;
    private final TensorLayout layout;
    private final List<Node> nodes;
    private final Map<String, Node> byName;
    private final Map<String, List<String>> consumers;

    /**
     * @param name model name for messages
     * @param inputName name of the graph input as referenced by the nodes
     * @param sampleShape the input shape of one sample (no batch axis)
     * @param layout the input layout
     * @param nodes nodes in topological order; the last one is the output
     */
    public Graph(String name, String inputName, long[] sampleShape, TensorLayout layout, List<Node> nodes) {
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("graph " + name + " has no nodes");
        }
        this.name = name;
        this.inputName = inputName;
        this.sampleShape = sampleShape.clone();
        this.layout = layout;
        this.nodes = List.copyOf(nodes);
        this.byName = new LinkedHashMap<>();
        this.consumers = new HashMap<>();
        Set<String> known = new HashSet<>();
        known.add(inputName);
        for (Node n : this.nodes) {
            for (String in : n.inputs()) {
                if (!known.contains(in)) {
                    throw new IllegalArgumentException(
                            "node " + n.name() + " reads '" + in + "', which is not produced before it");
                }
                consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n.name());
            }
            if (!known.add(n.name())) {
                throw new IllegalArgumentException("duplicate node name " + n.name());
            }
            byName.put(n.name(), n);
        }
    }

    public String name() {
        return name;
    }

    public String inputName() {
        return inputName;
    }

    /** Shape of one input sample, without the batch axis. */
    public long[] sampleShape() {
        return sampleShape.clone();
    }

    public TensorLayout layout() {
        return layout;
    }

    public List<Node> nodes() {
        return nodes;
    }

    public Node output() {
        return nodes.get(nodes.size() - 1);
    }

    public Node node(String nodeName) {
        Node n = byName.get(nodeName);
        if (n == null) {
            throw new IllegalArgumentException("model " + name + " has no node named '" + nodeName + "'; nodes: "
                    + String.join(", ", byName.keySet()));
        }
        return n;
    }

    public Optional<Node> findNode(String nodeName) {
        return Optional.ofNullable(byName.get(nodeName));
    }

    /** Names of the nodes that read the given tensor. */
    public List<String> consumersOf(String tensorName) {
        return Collections.unmodifiableList(consumers.getOrDefault(tensorName, List.of()));
    }

    /**
     * The kernel layers that count as "input layers" for LRP (METHODS.md §2.1-14): every input comes from the
     * graph input, after skipping Flatten, Reshape, Transpose and Pad nodes.
     */
    public Set<String> inputLayerNames() {
        Set<String> result = new HashSet<>();
        for (Node n : nodes) {
            if (n.layer().hasKernel() && n.inputs().stream().allMatch(this::comesFromInputThroughShapeOps)) {
                result.add(n.name());
            }
        }
        return result;
    }

    private boolean comesFromInputThroughShapeOps(String tensor) {
        if (tensor.equals(inputName)) {
            return true;
        }
        Node n = byName.get(tensor);
        boolean shapeOnly = n.layer() instanceof Layer.Flatten || n.layer() instanceof Layer.Reshape
                || n.layer() instanceof Layer.Transpose || n.layer() instanceof Layer.Pad
                || n.layer() instanceof Layer.Identity;
        return shapeOnly && n.inputs().stream().allMatch(this::comesFromInputThroughShapeOps);
    }

    /**
     * The default Grad-CAM layer, the same node in every format: the first activation (ReLU, ReLU6, SiLU,
     * Hardswish, GELU, …) that follows the last convolution, through any BatchNorm, bias, identity, residual Add or
     * Concat in between — torchvision ResNet: {@code layer4}'s output; DenseNet: the final ReLU; MobileNet and
     * EfficientNet: the last conv block's activation; a Keras {@code Conv2D(activation='relu')}: the layer's
     * output. When the feature map reaches the classifier head (pooling, Flatten, a Reshape to (N, features),
     * Dense) before any activation, it is the last element-wise node after the convolution (a linear Keras conv
     * layer).
     *
     * @return the node, or empty when the model has no convolution
     * @throws IllegalStateException when the last convolution's output stops being a feature map before an
     *     activation (a Vision Transformer's patch embedding becomes a token sequence; ConvNeXt's last block
     *     permutes it channels-last): the message names the node where the search stopped
     */
    public Optional<Node> defaultGradCamLayer() {
        int lastConv = -1;
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i).layer() instanceof Layer.Conv) {
                lastConv = i;
            }
        }
        if (lastConv < 0) {
            return Optional.empty();
        }
        Node conv = nodes.get(lastConv);
        Node current = conv;
        while (true) {
            List<String> next = consumersOf(current.name());
            if (next.size() != 1) {
                return Optional.of(current);
            }
            Node n = byName.get(next.get(0));
            Layer l = n.layer();
            if (l instanceof Layer.Activation || l instanceof Layer.Clip) {
                return Optional.of(n);
            }
            boolean passThrough = l instanceof Layer.BatchNorm || l instanceof Layer.Identity
                    || l instanceof Layer.ConstantOp || l instanceof Layer.Add || l instanceof Layer.Concat;
            boolean head = l instanceof Layer.GlobalPool || l instanceof Layer.Flatten || l instanceof Layer.Dense
                    || l instanceof Layer.MaxPool || l instanceof Layer.AvgPool || l instanceof Layer.ReduceMean
                    || (l instanceof Layer.Reshape r && r.shape().length == 2);
            if (head) {
                return Optional.of(current);
            }
            if (!passThrough) {
                throw new IllegalStateException("no activation follows the last convolution '" + conv.name()
                        + "' while its output is a feature map: it becomes " + l.kind() + " at node '" + n.name()
                        + "'; pass layer_name to choose the Grad-CAM layer");
            }
            current = n;
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Graph ").append(name).append(" input ").append(inputName)
                .append(Arrays.toString(sampleShape)).append(' ').append(layout).append('\n');
        for (Node n : nodes) {
            sb.append("  ").append(n.name()).append(" = ").append(n.layer().kind()).append(n.inputs()).append('\n');
        }
        return sb.toString();
    }
}
