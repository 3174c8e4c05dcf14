package io.signstream.engine.lrp;

import io.signstream.engine.testing.TinyModels;

import static io.signstream.engine.lrp.LrpReferenceHarness.assertClose;
import static io.signstream.engine.testing.TinyModels.CNN_SHAPE;
import static io.signstream.engine.testing.TinyModels.CNN_X;
import static io.signstream.engine.testing.TinyModels.MLP_SHAPE;
import static io.signstream.engine.testing.TinyModels.MLP_X;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.signstream.engine.backend.Backend;
import io.signstream.engine.backend.Backends;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.exec.BoundGraph;
import io.signstream.engine.method.MethodNames;
import io.signstream.engine.method.MethodParams;
import io.signstream.engine.method.MethodRunner;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The golden vectors of METHODS.md §7 (tiny MLP §7.1, tiny CNN §7.2) on the PyTorch backend. The values are printed
 * with 6 decimals, so the tolerance is 2e-6 absolute.
 */
class LrpGoldenVectorTest {

    private static final double TOL = 2e-6;

    private static Backend backend;
    private static BoundGraph mlp;
    private static BoundGraph cnn;

    @BeforeAll
    static void open() {
        backend = Backends.open(EngineKind.PYTORCH);
        mlp = new BoundGraph(TinyModels.mlp(), backend);
        cnn = new BoundGraph(TinyModels.cnn(), backend);
    }

    @AfterAll
    static void close() {
        mlp.close();
        cnn.close();
        backend.close();
    }

    static Stream<Arguments> mlpRows() {
        Map<String, String> zb = Map.of("low", "-1", "high", "2");
        return Stream.of(
                row("lrp_z", d(-0.13, 0.64, 0., 1.32)),
                row("lrp_epsilon_0_1", d(-0.09148, 0.565158, 0., 1.187685)),
                row("lrpsign_epsilon_0_1", d(-0.121419, 1.195512, 0.560396, 0.616436)),
                row("lrpz_epsilon_0_1", d(-0.121419, 0.597756, 0., 1.232871)),
                row("w2lrp_epsilon_0_1", d(-0.190174, 0.917378, -0.073423, 0.62112)),
                row("flatlrp_epsilon_0_1", d(0.318725, 0.318725, 0.318725, 0.318725)),
                row("zblrp_epsilon_0_1", zb, d(-0.024318, 0.759173, -0.110959, 0.651005)),
                row("lrp_epsilon_1", d(0.00939, 0.240472, 0., 0.551033)),
                row("lrpsign_epsilon_1", d(-0.07617, 0.749979, 0.351553, 0.386708)),
                row("lrpz_epsilon_1", d(-0.07617, 0.37499, 0., 0.773416)),
                row("w2lrp_epsilon_1", d(-0.119302, 0.575498, -0.04606, 0.389646)),
                row("flatlrp_epsilon_1", d(0.199946, 0.199946, 0.199946, 0.199946)),
                row("zblrp_epsilon_1", zb, d(-0.015255, 0.476252, -0.069608, 0.408394)),
                row("lrp_epsilon_100", d(0.000052, 0.000164, 0., 0.000419)),
                row("lrpsign_epsilon_100", d(-0.001814, 0.017859, 0.008372, 0.009209)),
                row("lrpsign_epsilon_100_improved", d(-0.001814, 0.017859, 0.008372, 0.009209)),
                row("lrpz_epsilon_100", d(-0.001814, 0.00893, 0., 0.018417)),
                row("w2lrp_epsilon_100", d(-0.002841, 0.013704, -0.001097, 0.009279)),
                row("flatlrp_epsilon_100", d(0.004761, 0.004761, 0.004761, 0.004761)),
                row("zblrp_epsilon_100", zb, d(-0.000363, 0.011341, -0.001658, 0.009725)),
                row("zblrp_epsilon_100_VGG16ILSVRC", zb, d(-0.000363, 0.011341, -0.001658, 0.009725)),
                row("lrpsign_epsilon_1_mu_0_5", d(-0.07617, 0.749979, -0.351553, 0.386708)),
                row("lrpsign_epsilon_1_mu_neg_0_5", d(-0.07617, -0.749979, 0.351553, 0.386708)),
                row("lrpsign_epsilon_1_mu_0", d(-0.07617, 0.749979, 0.351553, 0.386708)),
                row("lrp_epsilon_0_1_std_x", d(-0.093419, 0.571767, 0., 1.200752)),
                row("lrpsign_epsilon_0_1_std_x", d(-0.122574, 1.206878, 0.565724, 0.622296)),
                row("lrp_epsilon_0_25_std_x", d(-0.055638, 0.488646, 0., 1.049072)),
                row("lrpsign_epsilon_0_25_std_x", d(-0.112899, 1.111622, 0.521073, 0.57318)),
                row("lrp_alpha_1_beta_0", d(0.32907, 0.32907, 0., 1.053023)),
                row("lrp_alpha_2_beta_1", d(-0.870051, 2.530907, 0., 3.240391)),
                row("lrp_z_plus", d(0.272115, 0.272115, 0., 0.870769)),
                row("lrp_gamma", d(0.070184, -0.043407, 0., 0.378523)),
                // no convolution in the MLP: the composites are Epsilon(0.1) on every Dense layer
                row("lrp_sequential_composite_a", d(-0.09148, 0.565158, 0., 1.187685)),
                row("lrp_sequential_composite_b", d(-0.09148, 0.565158, 0., 1.187685)),
                row("lrpsign_sequential_composite_a", d(-0.121419, 1.195512, 0.560396, 0.616436)),
                row("lrpsign_sequential_composite_b", d(-0.121419, 1.195512, 0.560396, 0.616436)),
                // dotted aliases and the wrapper (epsilon default 0.1)
                row("lrp.epsilon", d(-0.09148, 0.565158, 0., 1.187685)),
                row("lrp_epsilon_wrapper", d(-0.09148, 0.565158, 0., 1.187685)),
                row("lrp.stdxepsilon", d(-0.093419, 0.571767, 0., 1.200752)),
                // post-hoc modifiers on top of a base LRP map, with the original x
                row("lrp_epsilon_0_1_x_sign", d(-0.09148, -0.565158, 0., 1.187685)),
                row("lrp_epsilon_0_1_x_input", d(-0.09148, -0.282579, 0., 2.37537)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mlpRows")
    void tinyMlp(String method, Map<String, String> params, double[] expected) throws Exception {
        float[] map = LrpReferenceHarness.explain(mlp, MLP_X, MLP_SHAPE, 0, method, MethodParams.of(params));
        assertClose(expected, map, TOL, method);
    }

    @Test
    void methodRunnerSeedsWithTheLogitAndAppliesTheModifier() throws Exception {
        try (NDManager m = backend.newManager()) {
            NDArray x = m.create(MLP_X, new Shape(MLP_SHAPE));
            float[] sign = MethodRunner.run(mlp, x, new int[] {0},
                    MethodNames.parse("lrpsign_epsilon_0_1", MethodParams.empty())).toFloatArray();
            assertClose(d(-0.121419, 1.195512, 0.560396, 0.616436), sign, TOL, "MethodRunner lrpsign_epsilon_0_1");
            float[] xSign = MethodRunner.run(mlp, x, new int[] {0},
                    MethodNames.parse("lrp_epsilon_0_1_x_sign", MethodParams.empty())).toFloatArray();
            assertClose(d(-0.09148, -0.565158, 0., 1.187685), xSign, TOL, "MethodRunner lrp_epsilon_0_1_x_sign");
        }
    }

    static Stream<Arguments> cnnRows() {
        return Stream.of(
                row("lrp_epsilon_0_1", d(
                        -0.010815, 0.02874, -0., 0.527866,
                        0.132263, 0.015636, -0.006099, -0.016632,
                        0.180149, 0.114029, 0.12179, -0.007345,
                        0., -0.014651, 0.005246, 0.036199)),
                row("lrp_sequential_composite_a", d(
                        0.010777, 0.012229, -0., 0.517358,
                        0.066219, 0.117273, 0.028962, -0.003326,
                        0.156965, 0.090446, 0.122294, -0.006652,
                        0., 0.033576, 0.005939, 0.025182)),
                row("lrp_sequential_composite_b", d(
                        0.021554, 0.043354, -0., 1.034716,
                        0.208019, 0.234546, -0.258149, -0.136696,
                        -0.148582, 0.209236, 0.068316, -0.013304,
                        0., -0.177155, 0.011878, 0.08147)),
                row("lrpsign_sequential_composite_a", d(
                        -0.018555, 0.064942, -0.296879, 0.278324,
                        0.296879, -0.009277, -0.009277, -0.07422,
                        0.129884, 0.166994, 0.129884, -0.03711,
                        0.157717, -0.07422, 0.009277, 0.027832)),
                row("lrpsign_epsilon_0_1", d(
                        -0.018555, 0.064942, -0.296879, 0.278324,
                        0.296879, -0.009277, -0.009277, -0.07422,
                        0.129884, 0.166994, 0.129884, -0.03711,
                        0.157717, -0.07422, 0.009277, 0.027832)),
                // LRP-Z equals x ⊙ gradient for a ReLU network; gradient of §7.2 times x
                row("lrp_z", xTimes(CNN_X, d(
                        -0.02, -0.07, -0.32, 0.3,
                        0.32, -0.01, 0.01, -0.08,
                        -0.14, 0.18, 0.14, 0.04,
                        0.17, -0.08, 0.01, -0.03))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cnnRows")
    void tinyCnn(String method, Map<String, String> params, double[] expected) throws Exception {
        float[] map = LrpReferenceHarness.explain(cnn, CNN_X, CNN_SHAPE, 0, method, MethodParams.of(params));
        assertClose(expected, map, TOL, method);
    }

    private static Arguments row(String method, double[] expected) {
        return Arguments.of(method, Map.of(), expected);
    }

    private static Arguments row(String method, Map<String, String> params, double[] expected) {
        return Arguments.of(method, params, expected);
    }

    static double[] d(double... v) {
        return v;
    }

    private static double[] xTimes(float[] x, double[] g) {
        double[] out = new double[g.length];
        for (int i = 0; i < g.length; i++) {
            out[i] = x[i] * g[i];
        }
        return out;
    }
}
