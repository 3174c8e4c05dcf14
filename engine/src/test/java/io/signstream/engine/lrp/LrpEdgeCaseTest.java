package io.signstream.engine.lrp;

import io.signstream.engine.testing.TinyModels;

import static io.signstream.engine.lrp.LrpReferenceHarness.assertClose;
import static io.signstream.engine.lrp.LrpReferenceHarness.assertFinite;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.signstream.engine.backend.Backend;
import io.signstream.engine.backend.Backends;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.exec.Activations;
import io.signstream.engine.exec.BoundGraph;
import io.signstream.engine.exec.ForwardPass;
import io.signstream.engine.exec.Propagation;
import io.signstream.engine.exec.ReversePass;
import io.signstream.engine.graph.ConvSpec;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Node;
import io.signstream.engine.graph.PoolSpec;
import io.signstream.engine.graph.TensorLayout;
import io.signstream.engine.graph.Weights;
import io.signstream.engine.method.MethodParams;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Zero inputs, exactly-zero denominators (SafeDivide), zero-padded convolution borders, μ ≤ −1, and batches that
 * must give the same maps as one call per sample.
 */
class LrpEdgeCaseTest {

    private static Backend backend;

    @BeforeAll
    static void open() {
        backend = Backends.open(EngineKind.PYTORCH);
    }

    @AfterAll
    static void close() {
        backend.close();
    }

    /** The input relevance of a propagation started from a hand-made seed at the graph output. */
    private static float[] fromSeed(Graph g, float[] x, long[] shape, float[] seed, Propagation rules) {
        try (BoundGraph model = new BoundGraph(g, backend); NDManager m = backend.newManager()) {
            Activations acts = ForwardPass.run(model, m.create(x, new Shape(shape)));
            NDArray s = m.create(seed, acts.output().getShape());
            return ReversePass.toInput(model, acts, s, rules).toFloatArray();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"lrp_z", "lrp_epsilon_0_1", "lrp_epsilon_0_1_std_x", "lrp_alpha_1_beta_0",
        "lrp_alpha_2_beta_1", "lrp_z_plus", "lrp_gamma", "lrpz_epsilon_0_1", "lrp_sequential_composite_b"})
    void zeroInputsGiveZeroRelevanceForRulesThatMultiplyByTheInput(String method) throws Exception {
        for (Graph g : List.of(TinyModels.mlp(), TinyModels.cnn())) {
            long[] shape = g.name().equals("tiny_mlp") ? TinyModels.MLP_SHAPE : TinyModels.CNN_SHAPE;
            float[] zeros = new float[(int) new Shape(shape).size()];
            try (BoundGraph model = new BoundGraph(g, backend)) {
                float[] map = LrpReferenceHarness.explain(model, zeros, shape, 0, method, MethodParams.empty());
                assertArrayEquals(new float[zeros.length], map, 0f, g.name() + " " + method);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"lrpsign_epsilon_0_1", "w2lrp_epsilon_0_1", "flatlrp_epsilon_0_1", "zblrp_epsilon_0_1",
        "lrpsign_epsilon_0_25_std_x_mu_neg_0_5", "lrpsign_sequential_composite_a"})
    void zeroInputsStayFiniteForInputRulesThatIgnoreTheMagnitude(String method) throws Exception {
        Map<String, String> params = method.startsWith("zblrp") ? Map.of("low", "-1", "high", "2") : Map.of();
        for (Graph g : List.of(TinyModels.mlp(), TinyModels.cnn())) {
            long[] shape = g.name().equals("tiny_mlp") ? TinyModels.MLP_SHAPE : TinyModels.CNN_SHAPE;
            try (BoundGraph model = new BoundGraph(g, backend)) {
                float[] map = LrpReferenceHarness.explain(model, new float[(int) new Shape(shape).size()], shape, 0,
                        method, MethodParams.of(params));
                assertFinite(map, g.name() + " " + method);
            }
        }
    }

    /** One bias-free Dense layer with z = [0, 0.75] for x = [1, 1]; relevance 1 arrives at the zero output. */
    private static Graph zeroOutputDense() {
        Weights w = new Weights(new float[] {1f, -1f, 0.5f, 0.25f}, new long[] {2, 2});
        return new Graph("zero_z", "input", new long[] {2}, TensorLayout.NC,
                List.of(new Node("fc", new Layer.Dense(w, null), "input")));
    }

    @Test
    void exactlyZeroDenominatorsUseSafeDivideOrTheSignedEpsilon() {
        Graph g = zeroOutputDense();
        float[] x = {1f, 1f};
        long[] shape = {1, 2};
        float[] seed = {1f, 0f};
        double big = 1 / (double) 1e-7f;
        assertRelative(new double[] {big, -big}, fromSeed(g, x, shape, seed, RuleComposite.uniform(new Rule.Z())), "Z");
        assertRelative(new double[] {big, -big},
                fromSeed(g, x, shape, seed, RuleComposite.builder().all(new Rule.Z()).inputLayer(new Rule.Sign())
                        .build()), "SIGN");
        // std([1, 1]) = 0: ε = 0 and SafeDivide takes over
        assertRelative(new double[] {big, -big},
                fromSeed(g, x, shape, seed, RuleComposite.uniform(new Rule.StdxEpsilon(1))), "StdxEpsilon");
        // sign(0) = +1: z + ε
        assertClose(new double[] {10, -10},
                fromSeed(g, x, shape, seed, RuleComposite.uniform(new Rule.Epsilon(0.1))), 1e-5, "Epsilon(0.1)");
        // z⁺ = 1 is not zero; z⁻ = 0 makes the β part SafeDivide(·, 1e-7) times zero inputs
        assertClose(new double[] {1, 0},
                fromSeed(g, x, shape, seed, RuleComposite.uniform(new Rule.AlphaBeta(1, 0))), 1e-6, "AlphaBeta(1,0)");
        assertClose(new double[] {2, -1},
                fromSeed(g, x, shape, seed, RuleComposite.uniform(new Rule.AlphaBeta(2, 1))), 1e-6, "AlphaBeta(2,1)");
    }

    @Test
    void averagePoolingWindowsThatSumToZeroStayFinite() {
        Graph g = new Graph("pool", "input", new long[] {1, 2, 4}, TensorLayout.NCHW,
                List.of(new Node("pool", new Layer.AvgPool(PoolSpec.square(2, 2), true), "input")));
        float[] x = {1f, -1f, 0f, 0f, -1f, 1f, 0f, 0f};
        float[] r = fromSeed(g, x, new long[] {1, 1, 2, 4}, new float[] {1f, 1f}, RuleComposite.uniform(new Rule.Z()));
        double q = 0.25 / (double) 1e-7f;
        assertRelative(new double[] {q, -q, 0, 0, -q, q, 0, 0}, r, "avg pool, zero window sums");
    }

    /** Conv 1→1, 3×3 kernel, zero padding 1 on a 3×3 input; the graph output is the conv itself. */
    private static final float[] K = {0.2f, -0.1f, 0.4f, 0.3f, -0.5f, 0.6f, 0.1f, 0.7f, -0.3f};
    private static final float[] X = {1f, -2f, 0.5f, 0f, 1.5f, -1f, 2f, 0.3f, -0.7f};
    private static final float[] R = {0.3f, -0.2f, 0.5f, 1f, 0.1f, -0.4f, 0.2f, 0.6f, 0.9f};

    private static Graph borderConv() {
        return new Graph("border", "input", new long[] {1, 3, 3}, TensorLayout.NCHW, List.of(new Node("conv",
                new Layer.Conv(new Weights(K, new long[] {1, 1, 3, 3}), null, ConvSpec.simple(2, 1, 1)), "input")));
    }

    /**
     * A loop reference for a one-term rule on the padded conv: z_j = Σ over taps inside the input of w'·in(x_i),
     * R_i = Σ_j rin(x_i)·w'·R_j/z_j; taps outside the input contribute nothing (zero padding).
     */
    private static double[] loopReference(ToDoubleFunction<Integer> in, ToDoubleFunction<Integer> rin,
            ToDoubleFunction<Float> weight) {
        double[] z = new double[9];
        for (int p = 0; p < 3; p++) {
            for (int q = 0; q < 3; q++) {
                for (int di = -1; di <= 1; di++) {
                    for (int dj = -1; dj <= 1; dj++) {
                        int i = p + di;
                        int j = q + dj;
                        if (i >= 0 && i < 3 && j >= 0 && j < 3) {
                            z[p * 3 + q] += weight.applyAsDouble(K[(di + 1) * 3 + dj + 1]) * in.applyAsDouble(i * 3 + j);
                        }
                    }
                }
            }
        }
        double[] out = new double[9];
        for (int p = 0; p < 3; p++) {
            for (int q = 0; q < 3; q++) {
                for (int di = -1; di <= 1; di++) {
                    for (int dj = -1; dj <= 1; dj++) {
                        int i = p + di;
                        int j = q + dj;
                        if (i >= 0 && i < 3 && j >= 0 && j < 3) {
                            out[i * 3 + j] += rin.applyAsDouble(i * 3 + j)
                                    * weight.applyAsDouble(K[(di + 1) * 3 + dj + 1]) * R[p * 3 + q] / z[p * 3 + q];
                        }
                    }
                }
            }
        }
        return out;
    }

    @Test
    void paddedBordersOnlyCountTapsInsideTheInput() {
        Graph g = borderConv();
        long[] shape = {1, 1, 3, 3};
        // Flat: corners see 4 taps, edges 6, the centre 9
        double[] flat = loopReference(i -> 1, i -> 1, w -> 1);
        assertClose(flat, fromSeed(g, X, shape, R, RuleComposite.uniform(new Rule.Flat())), 1e-6, "Flat");
        double[] wsq = loopReference(i -> 1, i -> 1, w -> w * w);
        assertClose(wsq, fromSeed(g, X, shape, R, RuleComposite.uniform(new Rule.WSquare())), 1e-6, "WSquare");
        double[] z = loopReference(i -> X[i], i -> X[i], w -> w);
        assertClose(z, fromSeed(g, X, shape, R, RuleComposite.uniform(new Rule.Z())), 1e-5, "Z");
        double[] sign = loopReference(i -> X[i], i -> X[i] >= 0 ? 1 : -1, w -> w);
        assertClose(sign, fromSeed(g, X, shape, R,
                RuleComposite.builder().all(new Rule.Z()).inputLayer(new Rule.Sign()).build()), 1e-5, "SIGN");
    }

    @Test
    void boundedRulePadsTheBoundsWithZerosLikeTheInput() {
        double low = -1;
        double high = 2;
        // z_j = Σ_inside (w x − w⁺ l − w⁻ h), R_i = Σ_j (x_i w − l w⁺ − h w⁻) R_j / z_j
        double[] z = new double[9];
        double[] expected = new double[9];
        for (int pass = 0; pass < 2; pass++) {
            for (int p = 0; p < 3; p++) {
                for (int q = 0; q < 3; q++) {
                    for (int di = -1; di <= 1; di++) {
                        for (int dj = -1; dj <= 1; dj++) {
                            int i = p + di;
                            int j = q + dj;
                            if (i < 0 || i >= 3 || j < 0 || j >= 3) {
                                continue;
                            }
                            double w = K[(di + 1) * 3 + dj + 1];
                            double term = X[i * 3 + j] * w - low * Math.max(w, 0) - high * Math.min(w, 0);
                            if (pass == 0) {
                                z[p * 3 + q] += term;
                            } else {
                                expected[i * 3 + j] += term * R[p * 3 + q] / z[p * 3 + q];
                            }
                        }
                    }
                }
            }
        }
        float[] actual = fromSeed(borderConv(), X, new long[] {1, 1, 3, 3}, R,
                RuleComposite.builder().all(new Rule.Z()).inputLayer(Rule.Bounded.of(low, high)).build());
        assertClose(expected, actual, 1e-5, "Bounded(-1, 2) on a padded conv");
    }

    @Test
    void perChannelBoundsApplyAlongAxisOne() {
        // two input channels with the same values and bounds (-1, 2) and (-1, 2) equal the scalar bounds
        Weights k = new Weights(new float[] {0.2f, -0.1f, 0.4f, 0.3f, -0.5f, 0.6f, 0.1f, 0.7f, -0.3f,
            -0.2f, 0.3f, 0.1f, 0.5f, -0.4f, 0.2f, 0.6f, -0.1f, 0.3f}, new long[] {1, 2, 3, 3});
        Graph g = new Graph("two", "input", new long[] {2, 3, 3}, TensorLayout.NCHW,
                List.of(new Node("conv", new Layer.Conv(k, null, ConvSpec.simple(2, 1, 1)), "input")));
        float[] x = new float[18];
        for (int i = 0; i < 18; i++) {
            x[i] = X[i % 9] * (i < 9 ? 1 : -0.5f);
        }
        long[] shape = {1, 2, 3, 3};
        float[] scalar = fromSeed(g, x, shape, R,
                RuleComposite.builder().all(new Rule.Z()).inputLayer(Rule.Bounded.of(-1, 2)).build());
        float[] perChannel = fromSeed(g, x, shape, R, RuleComposite.builder().all(new Rule.Z())
                .inputLayer(new Rule.Bounded(new float[] {-1, -1}, new float[] {2, 2})).build());
        assertArrayEquals(scalar, perChannel, 1e-6f);
        float[] different = fromSeed(g, x, shape, R, RuleComposite.builder().all(new Rule.Z())
                .inputLayer(new Rule.Bounded(new float[] {-1, -3}, new float[] {2, 1})).build());
        double diff = 0;
        for (int i = 0; i < 18; i++) {
            diff += Math.abs(different[i] - scalar[i]);
        }
        org.junit.jupiter.api.Assertions.assertTrue(diff > 1e-3, "the second channel's bounds are used");
    }

    @Test
    void signMuBelowMinusOneDoesNotCollapse() throws Exception {
        float[] x = {-2f, -0.5f, 0f, 2f};
        try (BoundGraph model = new BoundGraph(TinyModels.mlp(), backend)) {
            float[] sign = LrpReferenceHarness.explain(model, x, TinyModels.MLP_SHAPE, 0, "lrpsign_epsilon_1",
                    MethodParams.empty());
            for (double mu : new double[] {-1, -1.5, -3}) {
                float[] signMu = LrpReferenceHarness.explain(model, x, TinyModels.MLP_SHAPE, 0, "lrpsign_epsilon_1",
                        MethodParams.of(Map.of("mu", Double.toString(mu))));
                double[] expected = new double[4];
                for (int i = 0; i < 4; i++) {
                    double s1 = x[i] >= 0 ? 1 : -1;
                    double sMu = x[i] >= mu ? 1 : -1;
                    expected[i] = sign[i] * s1 * sMu;
                }
                assertClose(expected, signMu, 1e-7, "SIGNmu(" + mu + ")");
                // −2 lies below μ = −1 and μ = −1.5: it keeps −1, not the collapsed +1 of SignXAI's in-place code
                assertEquals(mu > -2 ? sign[0] : -sign[0], signMu[0], 1e-7f, "entry at x = -2 for mu " + mu);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"lrp_epsilon_0_25_std_x", "lrpsign_epsilon_0_1_std_x", "lrp_alpha_2_beta_1",
        "lrp_gamma", "zblrp_sequential_composite_b_VGG16ILSVRC", "lrp_epsilon_1"})
    void aBatchGivesTheSameMapsAsOneCallPerSample(String method) throws Exception {
        for (Graph g : List.of(TinyModels.mlp(), TinyModels.cnn())) {
            boolean mlp = g.name().equals("tiny_mlp");
            float[] a = mlp ? TinyModels.MLP_X : TinyModels.CNN_X;
            float[] b = new float[a.length];
            for (int i = 0; i < a.length; i++) {
                b[i] = (float) Math.sin(3 * i + 1) * 2;
            }
            long[] one = mlp ? TinyModels.MLP_SHAPE : TinyModels.CNN_SHAPE;
            long[] two = one.clone();
            two[0] = 2;
            float[] both = new float[2 * a.length];
            System.arraycopy(a, 0, both, 0, a.length);
            System.arraycopy(b, 0, both, a.length, a.length);
            try (BoundGraph model = new BoundGraph(g, backend)) {
                LrpComposite c = LrpMethods.parse(method, MethodParams.empty()).orElseThrow();
                float[] first = LrpReferenceHarness.relevance(model, a, one, new int[] {0}, c);
                float[] second = LrpReferenceHarness.relevance(model, b, one, new int[] {1}, c);
                float[] batch = LrpReferenceHarness.relevance(model, both, two, new int[] {0, 1}, c);
                float[] expected = new float[batch.length];
                System.arraycopy(first, 0, expected, 0, a.length);
                System.arraycopy(second, 0, expected, a.length, a.length);
                assertArrayEquals(expected, batch, 1e-6f, g.name() + " " + method);
            }
        }
    }

    private static void assertRelative(double[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-6 * Math.max(1, Math.abs(expected[i])), what + " element " + i);
        }
    }
}
