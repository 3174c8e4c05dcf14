package io.signstream.engine.architectures;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.signstream.engine.api.Explainer;
import io.signstream.engine.api.MapAgreement;
import io.signstream.engine.backend.Backend;
import io.signstream.engine.backend.Backends;
import io.signstream.engine.backend.DeviceChoice;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.exec.BoundGraph;
import io.signstream.engine.exec.ForwardPass;
import io.signstream.engine.graph.ConstantOpKind;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Node;
import io.signstream.engine.graph.Weights;
import io.signstream.engine.method.MethodNames;
import io.signstream.engine.method.MethodParams;
import io.signstream.engine.method.MethodRunner;
import io.signstream.engine.npy.NpyArray;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * LRP on the production architectures: every LRP name gives the same map on both engines for each format; the
 * ONNX export (BatchNorm folded into the convolutions) and the TorchScript trace (BatchNorm separate) give the
 * same map for {@code lrp_z} on every model and for every LRP name on the models without a conv–BatchNorm pair
 * (docs/methods.md, "Folded BatchNorm"); and on bias-free copies of the graphs (biases, BatchNorm means and shifts,
 * added constants set to zero) {@code lrp_z} conserves the target logit: Σ R_input = f_c, the new layers'
 * rules being conservative (docs/methods.md).
 */
class ArchitectureLrpTest {

    /** Every LRP name of the legacy catalogue (METHODS.md §1). */
    static final List<String> LRP_NAMES = MethodNames.legacyNames().stream()
            .filter(n -> n.matches("^(lrp|lrpsign|lrpz|flatlrp|w2lrp|zblrp)_.*") && !n.endsWith("_timeseries")
                    && !n.contains("MNISTCNN"))
            .toList();

    /** Models without a convolution directly followed by a BatchNorm: their two formats have the same graph. */
    static final Set<String> WITHOUT_CONV_BATCHNORM = Set.of("squeezenet1_1", "convnext", "vit");

    /**
     * Engine and format agreement: float32 on both sides, the same operations in a different order. Through 20 to 50
     * layers the rules that divide by sums of positive or negative parts only (α-β, flat, w², the SIGN input rules)
     * and GammaTF amplify the last-bit differences where such a sum is near zero: measured up to 1.8e-2 of
     * max|map| (lrp_gamma on the MobileNetV2 trace) with libtorch's and TensorFlow's oneDNN AVX-512 kernels, and
     * 3.9e-2 (lrp_gamma on the MobileNetV3 trace, Pearson 0.999999) with libtorch's AVX and TensorFlow's Eigen
     * kernels, which the tests run (README, "Correct numbers on every CPU"); hence 5e-2 and 0.9999.
     */
    static final double AGREE = 5e-2;
    static final double PEARSON = 0.9999;

    /**
     * A map whose largest value is below this fraction of |f_c| has given (almost) all relevance to the ε
     * stabilisers (ε = 5 … 100 on these nets): float32 keeps no meaningful digits of it, and it is reported, not
     * compared.
     */
    static final double VANISHED = 1e-6;

    static Stream<Arguments> models() {
        return Architectures.NAMES.stream().map(Arguments::of);
    }

    /** The models whose layers all conserve relevance (the ViT's Softmax and class token do not). */
    static Stream<Arguments> conservativeModels() {
        return Architectures.NAMES.stream().filter(m -> !m.equals("vit")).map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void everyLrpNameAgreesAcrossEnginesAndFormats(String model) throws Exception {
        NpyArray x = Architectures.npy(model, "input.npy");
        int target = Architectures.argMax(Architectures.npy(model, "logits.npy").data());
        Map<String, float[]> maps = new HashMap<>();
        for (String format : Architectures.FORMATS) {
            for (EngineKind engine : EngineKind.values()) {
                try (Explainer ex = Explainer.open(Architectures.file(model, format), engine, DeviceChoice.CPU)) {
                    for (String name : LRP_NAMES) {
                        maps.put(format + "/" + engine + "/" + name,
                                ex.explain(x, new int[] {target}, name, Map.of()).map().data());
                    }
                }
            }
        }
        float logit = Architectures.npy(model, "logits.npy").data()[target];
        List<String> failures = new ArrayList<>();
        double worstEngines = 0;
        double worstFormats = 0;
        int compared = 0;
        int vanished = 0;
        for (String name : LRP_NAMES) {
            if (MapAgreement.of(maps.get("model.onnx/PYTORCH/" + name), maps.get("model.onnx/PYTORCH/" + name))
                    .maxAbsReference() < VANISHED * Math.abs(logit)) {
                vanished++;
                continue;
            }
            compared++;
            for (String format : Architectures.FORMATS) {
                MapAgreement a = MapAgreement.of(maps.get(format + "/TENSORFLOW/" + name),
                        maps.get(format + "/PYTORCH/" + name));
                worstEngines = Math.max(worstEngines, relative(a));
                if (relative(a) > AGREE || a.pearson() < PEARSON) {
                    failures.add(String.format(Locale.ROOT, "%s %s engines %s", name, format, a));
                }
            }
            if (name.equals("lrp_z") || WITHOUT_CONV_BATCHNORM.contains(model)) {
                for (EngineKind engine : EngineKind.values()) {
                    MapAgreement a = MapAgreement.of(maps.get("model.pt/" + engine + "/" + name),
                            maps.get("model.onnx/" + engine + "/" + name));
                    worstFormats = Math.max(worstFormats, relative(a));
                    if (relative(a) > AGREE || a.pearson() < PEARSON) {
                        failures.add(String.format(Locale.ROOT, "%s %s formats %s", name, engine, a));
                    }
                }
            }
        }
        System.out.printf(Locale.ROOT, "ARCHITECTURE-LRP %s: %d names compared, %d vanished (ε ≫ activations), "
                + "worst engine difference %.2e, worst format difference %.2e%n", model, compared, vanished,
                worstEngines, worstFormats);
        assertTrue(failures.isEmpty(), model + ": " + failures);
    }

    /**
     * On the ONNX graphs (BatchNorm folded) and the BatchNorm-free TorchScript graphs. A separate BatchNorm keeps
     * iNNvestigate's stabiliser 1e-7 on (x − mean)·y (METHODS.md), which on these bias-free copies, whose
     * activations shrink to 1e-7..1e-10 at the output, absorbs most of the relevance: that is the documented rule,
     * not a loss of the new layers.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("conservativeModels")
    void lrpZConservesTheLogitOnBiasFreeCopies(String model) throws Exception {
        NpyArray x = Architectures.npy(model, "input.npy");
        for (String format : Architectures.FORMATS) {
            if (format.equals("model.pt") && !WITHOUT_CONV_BATCHNORM.contains(model)
                    && !model.equals("densenet")) {
                continue;
            }
            for (EngineKind engine : EngineKind.values()) {
                Graph graph;
                try (Explainer ex = Explainer.open(Architectures.file(model, format), engine, DeviceChoice.CPU)) {
                    graph = biasFree(ex.graph(x.sampleShape()));
                }
                try (Backend backend = Backends.open(engine); BoundGraph bound = new BoundGraph(graph, backend);
                        NDManager m = backend.newManager()) {
                    NDArray input = m.create(x.data(), new Shape(x.shape()));
                    float[] logits = ForwardPass.logits(bound, input).toFloatArray();
                    int target = Architectures.argMax(logits);
                    float[] r = MethodRunner.run(bound, input, new int[] {target},
                            MethodNames.parse("lrp_z", MethodParams.empty())).toFloatArray();
                    double total = 0;
                    double scale = 0;
                    for (float v : r) {
                        total += v;
                        scale += Math.abs(v);
                    }
                    double deficit = Math.abs(total - logits[target]) / Math.abs(logits[target]);
                    System.out.printf(Locale.ROOT, "ARCHITECTURE-CONSERVATION %s %s %s: f_c %.5g, sum R %.5g, "
                            + "relative deficit %.2e (sum |R| %.3g)%n", model, format, engine.id(), logits[target],
                            total, deficit, scale);
                    // float32 sums of terms up to sum|R| in size: the bound scales with that, not with f_c alone
                    assertTrue(Math.abs(total - logits[target]) <= 1e-4 * Math.max(scale, Math.abs(logits[target])),
                            model + " " + format + " " + engine + ": sum R = " + total + ", f_c = " + logits[target]);
                }
            }
        }
    }

    /**
     * The ViT breaks conservation where docs/methods.md says it does, and only there: on the bias-free copy,
     * Σ R_input = f_c − R(class token) − Σ_softmax (Σ R_out − Σ R_in), every other layer (MatMul's uniform rule,
     * LayerNorm's identity rule, the residual Adds, reshapes and transposes of the per-sample attention) being
     * conservative. The relevance kept by the class token ({@link Layer.BatchConstant}) and the relevance each Softmax
     * absorbs (AttnLRP's rule, R_in = x ⊙ (R − y ⊙ Σ R)) are read at those nodes in the same reverse pass.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("formatsAndEngines")
    void visionTransformerLosesRelevanceOnlyAtItsSoftmaxesAndClassToken(String format, EngineKind engine)
            throws Exception {
        NpyArray x = Architectures.npy("vit", "input.npy");
        Graph graph;
        try (Explainer ex = Explainer.open(Architectures.file("vit", format), engine, DeviceChoice.CPU)) {
            graph = biasFree(ex.graph(x.sampleShape()));
        }
        List<String> softmaxes = graph.nodes().stream().filter(n -> n.layer() instanceof Layer.Softmax)
                .map(Node::name).toList();
        List<String> classTokens = graph.nodes().stream().filter(n -> n.layer() instanceof Layer.BatchConstant)
                .map(Node::name).toList();
        assertTrue(softmaxes.size() == 2 && classTokens.size() == 1, graph.toString());
        Set<String> keep = new java.util.HashSet<>(classTokens);
        for (String s : softmaxes) {
            String scores = graph.node(s).input();
            assertTrue(graph.consumersOf(scores).size() == 1, "the scores feed only the softmax");
            keep.add(s);
            keep.add(scores);
        }
        try (Backend backend = Backends.open(engine); BoundGraph bound = new BoundGraph(graph, backend);
                NDManager m = backend.newManager()) {
            NDArray input = m.create(x.data(), new Shape(x.shape()));
            io.signstream.engine.exec.Activations acts = ForwardPass.run(bound, input);
            float[] logits = acts.output().toFloatArray();
            int target = Architectures.argMax(logits);
            float[] seed = new float[logits.length];
            seed[target] = logits[target];
            io.signstream.engine.lrp.LrpComposite rules = io.signstream.engine.lrp.LrpMethods
                    .parse("lrp_z", MethodParams.empty()).orElseThrow();
            Map<String, NDArray> r = io.signstream.engine.exec.ReversePass.run(bound, acts,
                    m.create(seed, new Shape(1, logits.length)), rules, keep);
            double atInput = sum(r.get(graph.inputName()));
            double classToken = sum(r.get(classTokens.get(0)));
            double softmaxLoss = 0;
            for (String s : softmaxes) {
                softmaxLoss += sum(r.get(s)) - sum(r.get(graph.node(s).input()));
            }
            double scale = sumAbs(r.get(graph.inputName()));
            double residual = Math.abs(atInput - (logits[target] - classToken - softmaxLoss));
            System.out.printf(Locale.ROOT, "ARCHITECTURE-CONSERVATION vit %s %s: f_c %.5g, sum R_input %.5g, class "
                    + "token %.4g, softmax loss %.4g, unexplained %.2e (sum |R| %.3g)%n", format, engine.id(),
                    logits[target], atInput, classToken, softmaxLoss, residual, scale);
            assertTrue(residual <= 1e-4 * Math.max(scale, Math.abs(logits[target])), "vit " + format + " " + engine
                    + ": relevance lost outside the softmaxes and the class token: " + residual);
        }
    }

    static Stream<Arguments> formatsAndEngines() {
        return ArchitectureMapsTest.formatsAndEngines();
    }

    private static double sum(NDArray a) {
        double t = 0;
        for (float v : a.toFloatArray()) {
            t += v;
        }
        return t;
    }

    private static double sumAbs(NDArray a) {
        double t = 0;
        for (float v : a.toFloatArray()) {
            t += Math.abs(v);
        }
        return t;
    }

    /** The graph with every additive constant set to zero: biases, BatchNorm mean and shift, added constants. */
    static Graph biasFree(Graph g) {
        List<Node> nodes = new ArrayList<>();
        for (Node n : g.nodes()) {
            Layer l = n.layer();
            if (l instanceof Layer.Dense d) {
                l = new Layer.Dense(d.weight(), null);
            } else if (l instanceof Layer.Conv c) {
                l = new Layer.Conv(c.weight(), null, c.spec());
            } else if (l instanceof Layer.BatchNorm bn) {
                l = new Layer.BatchNorm(bn.scale(), zeros(bn.bias()), zeros(bn.mean()), bn.variance(),
                        bn.epsilon());
            } else if (l instanceof Layer.ConstantOp op && (op.op() == ConstantOpKind.ADD
                    || op.op() == ConstantOpKind.SUB)) {
                l = new Layer.ConstantOp(op.op(), zeros(op.constant()), op.constantFirst());
            } else if (l instanceof Layer.LayerNorm ln) {
                l = new Layer.LayerNorm(ln.scale(), null, ln.epsilon());
            }
            nodes.add(new Node(n.name(), l, n.inputs()));
        }
        return new Graph(g.name(), g.inputName(), g.sampleShape(), g.layout(), nodes);
    }

    private static Weights zeros(Weights w) {
        return new Weights(new float[w.data().length], w.shape().clone());
    }

    /** max|a − b| / max|b| (the difference itself when b is all zero). */
    static double relative(MapAgreement m) {
        return m.maxAbsReference() == 0 ? m.maxAbsDiff() : m.maxAbsDiff() / m.maxAbsReference();
    }
}
