package io.signstream.engine.graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Recognises the element-wise pieces that exporters decompose standard layers into and puts the layer back:
 * <ul>
 * <li>{@code x * Sigmoid(x)} → SiLU (ONNX exports of {@code nn.SiLU});</li>
 * <li>{@code (x * (Erf(x / √2) + 1)) * 0.5} → GELU (ONNX exports of {@code nn.GELU} before opset 20);</li>
 * <li>{@code (x − mean(x)) / √(mean((x − mean(x))²) + ε) [· γ] [+ β]} over the last axis → LayerNorm (ONNX
 * exports of {@code layer_norm} before opset 17);</li>
 * <li>{@code MatMul(x, W) + b} → Dense with bias (ONNX exports of a Linear on (N, …, C) tensors);</li>
 * </ul>
 * and marks which operand of each remaining {@link Layer.Multiply} is a gate (the output of a sigmoid or hard
 * sigmoid: squeeze-excitation). The fused graph computes the same function, so the gradient is unchanged; what
 * changes is that LRP sees one activation or normalisation layer with a documented rule instead of a product of
 * two computed tensors (docs/methods.md). Every importer runs this on its result.
 *
 * <pre>{@code
 * Graph imported = GraphFusion.fuse(new Graph(name, "input", shape, layout, nodes));
 * }</pre>
 */
public final class GraphFusion {

    private static final double SQRT2 = Math.sqrt(2);

    private final Graph graph;
    private final Map<String, Node> replaced = new HashMap<>();
    private final Set<String> removed = new HashSet<>();

    private GraphFusion(Graph graph) {
        this.graph = graph;
    }

    /** The graph with every recognised pattern fused and every gate marked; the same graph if nothing changed. */
    public static Graph fuse(Graph graph) {
        GraphFusion f = new GraphFusion(graph);
        for (Node n : graph.nodes()) {
            f.visit(n);
        }
        if (f.replaced.isEmpty() && f.removed.isEmpty()) {
            return graph;
        }
        List<Node> out = new ArrayList<>();
        for (Node n : graph.nodes()) {
            if (!f.removed.contains(n.name())) {
                out.add(f.replaced.getOrDefault(n.name(), n));
            }
        }
        return new Graph(graph.name(), graph.inputName(), graph.sampleShape(), graph.layout(), out);
    }

    private void visit(Node n) {
        if (n.layer() instanceof Layer.Multiply) {
            if (!silu(n)) {
                markGate(n);
            }
        } else if (n.layer() instanceof Layer.ConstantOp op && op.op() == ConstantOpKind.MUL) {
            gelu(n, op);
        } else if (n.layer() instanceof Layer.Divide) {
            layerNorm(n);
        } else if (n.layer() instanceof Layer.Dense d && d.bias() == null) {
            denseBias(n, d);
        }
    }

    /**
     * A Dense without bias whose only reader adds a vector of its output length: the bias of an ONNX
     * {@code MatMul + Add} (PyTorch's Linear on (N, …, C) tensors), put back into the layer so that LRP rules
     * treat it as the layer's bias, as they do for the same Linear in TorchScript.
     */
    private void denseBias(Node dense, Layer.Dense d) {
        Optional<Node> add = soleConsumer(dense).filter(n -> n.layer() instanceof Layer.ConstantOp op
                && op.op() == ConstantOpKind.ADD && isLastAxisConstant(n, ConstantOpKind.ADD)
                && op.constant().size() == d.outFeatures());
        if (add.isEmpty() || dense.equals(graph.output())) {
            return;
        }
        Weights bias = flat(((Layer.ConstantOp) add.get().layer()).constant());
        removed.add(dense.name());
        replaced.put(add.get().name(), new Node(add.get().name(), new Layer.Dense(d.weight(), bias), dense.input()));
    }

    /** Multiply(x, Sigmoid(x)) in either order, the sigmoid read by nothing else. */
    private boolean silu(Node mul) {
        for (int k = 0; k < 2; k++) {
            String value = mul.inputs().get(k);
            Optional<Node> gate = producer(mul.inputs().get(1 - k));
            if (gate.isPresent() && isActivation(gate.get(), ActivationKind.SIGMOID)
                    && gate.get().input().equals(value) && onlyReader(gate.get(), mul)) {
                replaced.put(mul.name(), new Node(mul.name(), Layer.Activation.of(ActivationKind.SILU), value));
                removed.add(gate.get().name());
                return true;
            }
        }
        return false;
    }

    /** The operand produced by a sigmoid or hard sigmoid is the gate; with none or two, the product has none. */
    private void markGate(Node mul) {
        boolean[] isGate = new boolean[2];
        for (int k = 0; k < 2; k++) {
            Optional<Node> p = producer(mul.inputs().get(k));
            isGate[k] = p.isPresent() && (isActivation(p.get(), ActivationKind.SIGMOID)
                    || isActivation(p.get(), ActivationKind.HARD_SIGMOID));
        }
        int gate = isGate[0] == isGate[1] ? Layer.Multiply.NO_GATE : isGate[0] ? 0 : 1;
        if (((Layer.Multiply) mul.layer()).gate() != gate) {
            replaced.put(mul.name(), new Node(mul.name(), new Layer.Multiply(gate), mul.inputs()));
        }
    }

    /** Mul(Multiply(x, Add(Erf(Div(x, √2)), 1)), 0.5). */
    private void gelu(Node half, Layer.ConstantOp op) {
        if (!isScalar(op.constant(), 0.5)) {
            return;
        }
        Optional<Node> mul = producer(half.input()).filter(m -> m.layer() instanceof Layer.Multiply);
        if (mul.isEmpty() || !onlyReader(mul.get(), half)) {
            return;
        }
        for (int k = 0; k < 2; k++) {
            String x = mul.get().inputs().get(k);
            Optional<Node> plusOne = producer(mul.get().inputs().get(1 - k))
                    .filter(p -> isConstantOp(p, ConstantOpKind.ADD, 1.0));
            Optional<Node> erf = plusOne.flatMap(p -> producer(p.input()))
                    .filter(e -> isActivation(e, ActivationKind.ERF));
            Optional<Node> scaled = erf.flatMap(e -> producer(e.input()))
                    .filter(d -> (isConstantOp(d, ConstantOpKind.DIV, SQRT2)
                            || isConstantOp(d, ConstantOpKind.MUL, 1 / SQRT2)) && d.input().equals(x));
            if (scaled.isPresent() && onlyReader(plusOne.get(), mul.get()) && onlyReader(erf.get(), plusOne.get())
                    && onlyReader(scaled.get(), erf.get())) {
                replaced.put(half.name(), new Node(half.name(), Layer.Activation.of(ActivationKind.GELU), x));
                removed.addAll(List.of(mul.get().name(), plusOne.get().name(), erf.get().name(),
                        scaled.get().name()));
                return;
            }
        }
    }

    /**
     * Divide(d, Sqrt(Add(ReduceMean(Pow(d, 2)), ε))) with d = Subtract(x, ReduceMean(x)), means over the last axis,
     * followed by an optional Mul by γ and Add of β of the last axis' length.
     */
    private void layerNorm(Node div) {
        Optional<Node> d = producer(div.inputs().get(0)).filter(n -> n.layer() instanceof Layer.Subtract);
        Optional<Node> sqrt = producer(div.inputs().get(1)).filter(n -> isActivation(n, ActivationKind.SQRT));
        if (d.isEmpty() || sqrt.isEmpty()) {
            return;
        }
        String x = d.get().inputs().get(0);
        Optional<Node> mean = producer(d.get().inputs().get(1)).filter(n -> isLastAxisMean(n) && n.input().equals(x));
        Optional<Node> plusEps = producer(sqrt.get().input()).filter(n -> n.layer() instanceof Layer.ConstantOp op
                && op.op() == ConstantOpKind.ADD && op.constant().size() == 1);
        Optional<Node> variance = plusEps.flatMap(n -> producer(n.input())).filter(this::isLastAxisMean);
        Optional<Node> square = variance.flatMap(n -> producer(n.input()))
                .filter(n -> isConstantOp(n, ConstantOpKind.POW, 2.0) && n.input().equals(d.get().name()));
        if (mean.isEmpty() || square.isEmpty()) {
            return;
        }
        List<Node> inner = List.of(mean.get(), d.get(), square.get(), variance.get(), plusEps.get(), sqrt.get());
        Set<String> pattern = new HashSet<>();
        inner.forEach(n -> pattern.add(n.name()));
        pattern.add(div.name());
        for (Node n : inner) {
            if (!graph.consumersOf(n.name()).stream().allMatch(pattern::contains)) {
                return;
            }
        }
        float eps = ((Layer.ConstantOp) plusEps.get().layer()).constant().data()[0];
        Node last = div;
        Weights scale = null;
        Weights bias = null;
        Optional<Node> mulGamma = soleConsumer(div).filter(n -> isLastAxisConstant(n, ConstantOpKind.MUL));
        if (mulGamma.isPresent()) {
            scale = flat(((Layer.ConstantOp) mulGamma.get().layer()).constant());
            removed.add(last.name());
            last = mulGamma.get();
        }
        Optional<Node> addBeta = soleConsumer(last).filter(n -> isLastAxisConstant(n, ConstantOpKind.ADD));
        if (addBeta.isPresent()) {
            bias = flat(((Layer.ConstantOp) addBeta.get().layer()).constant());
            removed.add(last.name());
            last = addBeta.get();
        }
        inner.forEach(n -> removed.add(n.name()));
        replaced.put(last.name(), new Node(last.name(), new Layer.LayerNorm(scale, bias, eps), x));
    }

    private boolean isLastAxisMean(Node n) {
        if (!(n.layer() instanceof Layer.ReduceMean r) || !r.keepDims() || r.axes().length != 1) {
            return false;
        }
        return r.axes()[0] == -1;
    }

    /** A Mul/Add by a constant that holds one value per element of the last axis (γ or β of a LayerNorm). */
    private static boolean isLastAxisConstant(Node n, ConstantOpKind kind) {
        if (!(n.layer() instanceof Layer.ConstantOp op) || op.op() != kind) {
            return false;
        }
        long[] s = op.constant().shape();
        for (int i = 0; i < s.length - 1; i++) {
            if (s[i] != 1) {
                return false;
            }
        }
        return s.length >= 1 && s[s.length - 1] > 1;
    }

    private static Weights flat(Weights w) {
        return new Weights(w.data(), new long[] {w.size()});
    }

    private Optional<Node> soleConsumer(Node n) {
        List<String> readers = graph.consumersOf(n.name());
        return readers.size() == 1 ? graph.findNode(readers.get(0)) : Optional.empty();
    }

    private Optional<Node> producer(String tensor) {
        return graph.findNode(tensor);
    }

    private boolean onlyReader(Node producer, Node reader) {
        List<String> readers = graph.consumersOf(producer.name());
        return readers.size() == 1 && readers.get(0).equals(reader.name()) && !producer.equals(graph.output());
    }

    private static boolean isActivation(Node n, ActivationKind kind) {
        return n.layer() instanceof Layer.Activation a && a.function() == kind;
    }

    private static boolean isConstantOp(Node n, ConstantOpKind kind, double value) {
        return n.layer() instanceof Layer.ConstantOp op && op.op() == kind && !op.constantFirst()
                && isScalar(op.constant(), value);
    }

    private static boolean isScalar(Weights w, double value) {
        return w.size() == 1 && Math.abs(w.data()[0] - value) <= 1e-6 * Math.abs(value);
    }
}
