package io.signstream.engine.lrp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.signstream.engine.backend.Backend;
import io.signstream.engine.backend.Backends;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.exec.Activations;
import io.signstream.engine.exec.BoundGraph;
import io.signstream.engine.exec.ForwardPass;
import io.signstream.engine.exec.ReversePass;
import io.signstream.engine.graph.ActivationKind;
import io.signstream.engine.graph.ConvSpec;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Node;
import io.signstream.engine.graph.PoolSpec;
import io.signstream.engine.graph.TensorLayout;
import io.signstream.engine.graph.Weights;
import io.signstream.engine.method.MethodParams;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Conservation on small graphs with BatchNorm, a residual Add, average pooling, max pooling and global average
 * pooling: without biases (and BatchNorm without shift) the input relevance of every conservative rule sums to
 * f_c; with biases, f_c = Σ R_in + the bias and stabiliser shares each Dense/Conv/BatchNorm layer keeps, computed
 * here from the forward values and the relevance arriving at the layer.
 */
class LrpConservationTest {

    private static Backend backend;

    @BeforeAll
    static void open() {
        backend = Backends.open(EngineKind.PYTORCH);
    }

    @AfterAll
    static void close() {
        backend.close();
    }

    /**
     * conv1 → bn → relu1 → conv2 → relu2 → add(relu1, relu2) → avgpool → conv3 → relu3 → maxpool → conv4 → relu4 →
     * global avg pool → flatten → dense.
     */
    static Graph residualNet(boolean biases, long seed) {
        Random r = new Random(seed);
        List<Node> nodes = new ArrayList<>();
        nodes.add(new Node("conv1", new Layer.Conv(w(r, 4, 2, 3, 3), biases ? w(r, 4) : null, ConvSpec.simple(2, 1, 1)),
                "input"));
        Weights scale = positive(r, 4);
        Weights variance = positive(r, 4);
        Weights mean = biases ? w(r, 4) : zeros(4);
        Weights beta = biases ? w(r, 4) : zeros(4);
        nodes.add(new Node("bn", new Layer.BatchNorm(scale, beta, mean, variance, 1e-5f), "conv1"));
        nodes.add(new Node("relu1", Layer.Activation.of(ActivationKind.RELU), "bn"));
        nodes.add(new Node("conv2", new Layer.Conv(w(r, 4, 4, 3, 3), biases ? w(r, 4) : null, ConvSpec.simple(2, 1, 1)),
                "relu1"));
        nodes.add(new Node("relu2", Layer.Activation.of(ActivationKind.RELU), "conv2"));
        nodes.add(new Node("add", new Layer.Add(), List.of("relu1", "relu2")));
        nodes.add(new Node("avgpool", new Layer.AvgPool(PoolSpec.square(2, 2), true), "add"));
        nodes.add(new Node("conv3", new Layer.Conv(w(r, 4, 4, 3, 3), biases ? w(r, 4) : null, ConvSpec.simple(2, 1, 1)),
                "avgpool"));
        nodes.add(new Node("relu3", Layer.Activation.of(ActivationKind.RELU), "conv3"));
        nodes.add(new Node("maxpool", new Layer.MaxPool(PoolSpec.square(2, 2)), "relu3"));
        nodes.add(new Node("conv4", new Layer.Conv(w(r, 3, 4, 1, 1), biases ? w(r, 3) : null, ConvSpec.simple(2, 1, 0)),
                "maxpool"));
        nodes.add(new Node("relu4", Layer.Activation.of(ActivationKind.RELU), "conv4"));
        nodes.add(new Node("gap", new Layer.GlobalPool(false), "relu4"));
        nodes.add(new Node("flatten", new Layer.Flatten(1), "gap"));
        nodes.add(new Node("dense", new Layer.Dense(w(r, 3, 3), biases ? w(r, 3) : null), "flatten"));
        return new Graph("residual", "input", new long[] {2, 8, 8}, TensorLayout.NCHW, nodes);
    }

    static float[] input(long seed) {
        Random r = new Random(seed);
        float[] x = new float[2 * 8 * 8];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    private static final long[] SHAPE = {1, 2, 8, 8};

    /**
     * The rules that keep Σ R on a bias-free network. AlphaBeta(2,1) is not among them: wherever ReLU sparsity
     * leaves a unit with z⁻ = 0 its β part vanishes and the unit passes on 2R (the canonical checks exclude it too).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"lrp_z", "lrpz_z", "w2lrp_z", "flatlrp_z", "lrp_z_plus", "lrp_alpha_1_beta_0",
        "zblrp_z", "lrp_sequential_composite_a", "lrpz_sequential_composite_a", "lrp_flat", "lrp_w_square"})
    void biasFreeNetworksConserveRelevance(String method) throws Exception {
        Graph g = residualNet(false, 11);
        Map<String, String> params = method.startsWith("zblrp") ? Map.of("low", "-3", "high", "3") : Map.of();
        // composites put Epsilon(0.1) on the Dense layer; ε 1e-9 makes that conservative too
        if (method.contains("composite")) {
            params = Map.of("epsilon", "1e-9");
        }
        try (BoundGraph model = new BoundGraph(g, backend)) {
            for (long seed = 1; seed <= 3; seed++) {
                float[] x = input(seed);
                float fc = targetLogit(model, x);
                float[] map = LrpReferenceHarness.explain(model, x, SHAPE, target(model, x), method,
                        MethodParams.of(params));
                double sum = sum(map);
                assertEquals(fc, sum, 1e-5 * Math.abs(fc), method + " seed " + seed + ": Σ R_in vs f_c");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"lrp_epsilon_0_1", "lrp_epsilon_1", "lrp_epsilon_0_01", "lrpz_epsilon_0_1"})
    void biasAndStabiliserSharesAccountForTheRest(String method) throws Exception {
        double epsilon = Double.parseDouble(method.substring(method.lastIndexOf("epsilon_") + 8).replace('_', '.'));
        Graph g = residualNet(true, 5);
        try (BoundGraph model = new BoundGraph(g, backend); NDManager m = backend.newManager()) {
            for (long seed = 1; seed <= 3; seed++) {
                float[] x = input(seed);
                NDArray in = m.create(x, new Shape(SHAPE));
                Activations acts = ForwardPass.run(model, in);
                int target = target(model, x);
                NDArray seedArr = LrpReferenceHarness.seed(acts.output(), new int[] {target});
                LrpComposite composite = LrpMethods.parse(method, MethodParams.empty()).orElseThrow();
                Set<String> kernels = new HashSet<>();
                for (Node n : g.nodes()) {
                    if (n.layer().hasKernel() || n.layer() instanceof Layer.BatchNorm) {
                        kernels.add(n.name());
                    }
                }
                Map<String, NDArray> upstream = ReversePass.run(model, acts, seedArr, composite, kernels);
                double shares = 0;
                for (Node n : g.nodes()) {
                    if (!kernels.contains(n.name())) {
                        continue;
                    }
                    NDArray rOut = upstream.get(n.name());
                    NDArray z = acts.get(n.name());
                    boolean input = n.name().equals("conv1");
                    double eps = input && method.startsWith("lrpz") ? 0 : epsilon;
                    shares += share(model, n, z, rOut, eps);
                }
                double fc = acts.output().toFloatArray()[target];
                double sum = sum(upstream.get(g.inputName()).toFloatArray());
                assertEquals(fc, sum + shares, 2e-5 * Math.abs(fc),
                        method + " seed " + seed + ": f_c vs Σ R_in + shares (Σ R_in " + sum + ")");
                assertTrue(Math.abs(shares) > 1e-3 * Math.abs(fc), "the biases keep a visible share");
            }
        }
    }

    /** What a layer keeps: Σ R·(b + ε·sign₊(z))/(z + ε·sign₊(z)) for a kernel layer, Σ R·c/y for BatchNorm. */
    private static double share(BoundGraph model, Node n, NDArray z, NDArray r, double eps) {
        int rank = z.getShape().dimension();
        if (n.layer() instanceof Layer.BatchNorm bn) {
            NDArray factor = model.array(bn.scale()).div(model.array(bn.variance()).add(bn.epsilon()).sqrt());
            NDArray shift = model.array(bn.bias()).sub(model.array(bn.mean()).mul(factor));
            NDArray c = model.perChannel(shift, rank);
            return sum(r.mul(c).div(z).toFloatArray());
        }
        Weights bias = n.layer() instanceof Layer.Conv conv ? conv.bias() : ((Layer.Dense) n.layer()).bias();
        NDArray b = rank == 2 ? model.array(bias) : model.perChannel(model.array(bias), rank);
        // ε·sign₊(z), sign₊(0) = +1, written out here rather than taken from the engine
        NDArray stab = z.gte(0f).toType(DataType.FLOAT32, false).mul(2f).sub(1f).mul((float) eps);
        return sum(r.mul(stab.add(b)).div(z.add(stab)).toFloatArray());
    }

    private static int target(BoundGraph model, float[] x) {
        try (NDManager m = backend.newManager()) {
            return (int) ForwardPass.run(model, m.create(x, new Shape(SHAPE))).output().argMax(1).getLong(0);
        }
    }

    private static float targetLogit(BoundGraph model, float[] x) {
        try (NDManager m = backend.newManager()) {
            NDArray logits = ForwardPass.run(model, m.create(x, new Shape(SHAPE))).output();
            return logits.max().getFloat();
        }
    }

    private static double sum(float[] v) {
        double s = 0;
        for (float f : v) {
            s += f;
        }
        return s;
    }

    private static Weights w(Random r, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextGaussian() * 0.5);
        }
        return new Weights(v, shape);
    }

    private static Weights positive(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = 0.5f + r.nextFloat();
        }
        return new Weights(v, new long[] {n});
    }

    private static Weights zeros(int n) {
        return new Weights(new float[n], new long[] {n});
    }
}
