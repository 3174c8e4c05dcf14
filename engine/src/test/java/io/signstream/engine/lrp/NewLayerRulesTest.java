package io.signstream.engine.lrp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.signstream.engine.backend.Backend;
import io.signstream.engine.backend.Backends;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.exec.Activations;
import io.signstream.engine.exec.BoundGraph;
import io.signstream.engine.exec.ForwardPass;
import io.signstream.engine.exec.GradientPropagation;
import io.signstream.engine.exec.Propagation;
import io.signstream.engine.exec.ReversePass;
import io.signstream.engine.graph.ActivationKind;
import io.signstream.engine.graph.ConstantOpKind;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.GraphFusion;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Node;
import io.signstream.engine.graph.TensorLayout;
import io.signstream.engine.graph.Weights;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One test per rule of docs/methods.md, on both engines: each new layer on a small graph, its forward pass and
 * gradient against the same function written out in double precision here (the gradient by central differences),
 * and its LRP relevance against the rule's formula evaluated here, with the conservation statement of the table.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NewLayerRulesTest {

    private static final Propagation LRP = RuleComposite.builder().all(new Rule.Epsilon(0.1)).build();

    private final List<Backend> backends = new ArrayList<>();

    @BeforeAll
    void open() {
        for (EngineKind k : EngineKind.values()) {
            backends.add(Backends.open(k));
        }
    }

    @AfterAll
    void close() {
        backends.forEach(Backend::close);
    }

    private Backend backend(EngineKind kind) {
        return backends.stream().filter(b -> b.kind() == kind).findFirst().orElseThrow();
    }

    /** The values of one run: forward output, gradient and LRP relevance at the input for a given seed. */
    private record Run(double[] y, double[] grad, double[] lrp) {
    }

    private Run run(EngineKind kind, Graph g, long[] shape, double[] x, double[] seed) {
        Backend b = backend(kind);
        try (BoundGraph model = new BoundGraph(g, b); NDManager m = b.newManager()) {
            NDArray input = m.create(toFloat(x), new Shape(shape));
            Activations acts = ForwardPass.run(model, input);
            NDArray s = m.create(toFloat(seed), acts.output().getShape());
            NDArray grad = ReversePass.toInput(model, acts, s, new GradientPropagation());
            NDArray lrp = ReversePass.toInput(model, acts, s, LRP);
            return new Run(toDouble(acts.output().toFloatArray()), toDouble(grad.toFloatArray()),
                    toDouble(lrp.toFloatArray()));
        }
    }

    /** Forward and gradient of Σ seed ⊙ f(x) against f written out here (central differences, h = 1e-6). */
    private void checkForwardAndGradient(Run r, Function<double[], double[]> f, double[] x, double[] seed,
            String what) {
        double[] y = f.apply(x);
        assertClose(y, r.y(), 1e-5, what + " forward");
        double[] numeric = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double h = 1e-6;
            double[] up = x.clone();
            double[] down = x.clone();
            up[i] += h;
            down[i] -= h;
            numeric[i] = (dot(seed, f.apply(up)) - dot(seed, f.apply(down))) / (2 * h);
        }
        assertClose(numeric, r.grad(), 1e-4, what + " gradient");
    }

    private static Graph graph(long[] sample, List<Node> nodes) {
        return new Graph("t", "x", sample, TensorLayout.channelsFirstForRank(sample.length + 1), nodes);
    }

    // ---------------------------------------------------------------- activations: pass-through

    enum Act {
        RELU6, SILU, HARD_SWISH, HARD_SIGMOID, GELU, GELU_TANH, ERF, SQRT
    }

    @ParameterizedTest
    @EnumSource(Act.class)
    void activationsHaveTheirDerivativeAndPassRelevance(Act act) {
        double[] x = values(24, 1, 2.5);
        if (act == Act.SQRT) {
            for (int i = 0; i < x.length; i++) {
                x[i] = Math.abs(x[i]) + 0.5;
            }
        }
        if (act == Act.RELU6) {
            for (int i = 0; i < x.length; i++) {
                x[i] *= 3; // reach both bounds
            }
        }
        Layer layer = act == Act.RELU6 ? Layer.Clip.relu6()
                : new Layer.Activation(ActivationKind.valueOf(act.name()), act == Act.HARD_SIGMOID ? 1f / 6f : 0f);
        Graph g = graph(new long[] {2, 3, 4}, List.of(new Node("a", layer, "x")));
        Function<double[], double[]> f = v -> {
            double[] y = new double[v.length];
            for (int i = 0; i < v.length; i++) {
                y[i] = scalar(act, v[i]);
            }
            return y;
        };
        double[] seed = values(24, 2, 1);
        for (EngineKind k : EngineKind.values()) {
            Run r = run(k, g, new long[] {1, 2, 3, 4}, x, seed);
            checkForwardAndGradient(r, f, x, seed, act + " on " + k);
            assertClose(seed, r.lrp(), 1e-6, act + " LRP pass-through on " + k);
        }
    }

    private static double scalar(Act act, double v) {
        double phi = 0.5 * (1 + erf(v / Math.sqrt(2)));
        return switch (act) {
            case RELU6 -> Math.min(Math.max(v, 0), 6);
            case SILU -> v / (1 + Math.exp(-v));
            case HARD_SWISH -> v * Math.min(Math.max(v + 3, 0), 6) / 6;
            case HARD_SIGMOID -> Math.min(Math.max(v / 6 + 0.5, 0), 1);
            case GELU -> v * phi;
            case GELU_TANH -> 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
            case ERF -> erf(v);
            case SQRT -> Math.sqrt(v);
        };
    }

    // ---------------------------------------------------------------- products

    /** x (1, 2, 3, 3) → gate = σ(mean over H, W) ⊙ x: relevance all to x through the product, none to the gate. */
    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void gateSendsRelevanceToTheValueOperand(EngineKind k) {
        Graph g = GraphFusion.fuse(graph(new long[] {2, 3, 3}, List.of(
                new Node("pool", new Layer.GlobalPool(false), "x"),
                new Node("gate", Layer.Activation.of(ActivationKind.SIGMOID), "pool"),
                new Node("mul", new Layer.Multiply(Layer.Multiply.NO_GATE), List.of("gate", "x")))));
        assertEquals(0, ((Layer.Multiply) g.node("mul").layer()).gate(), "the sigmoid operand is marked as gate");
        double[] x = values(18, 3, 1);
        double[] seed = values(18, 4, 1);
        Function<double[], double[]> f = v -> {
            double[] y = new double[v.length];
            for (int c = 0; c < 2; c++) {
                double mean = 0;
                for (int i = 0; i < 9; i++) {
                    mean += v[c * 9 + i] / 9;
                }
                double gate = 1 / (1 + Math.exp(-mean));
                for (int i = 0; i < 9; i++) {
                    y[c * 9 + i] = gate * v[c * 9 + i];
                }
            }
            return y;
        };
        Run r = run(k, g, new long[] {1, 2, 3, 3}, x, seed);
        checkForwardAndGradient(r, f, x, seed, "gate on " + k);
        assertClose(seed, r.lrp(), 1e-6, "gate LRP on " + k);
    }

    /** x (1, 2, 3) → a = x[:, 0:1], b = x[:, 1:2], a ⊙ b: the uniform rule gives R/2 to each operand. */
    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void bilinearProductSplitsRelevanceEqually(EngineKind k) {
        Graph g = graph(new long[] {2, 3}, List.of(
                new Node("a", new Layer.Slice(1, 0, 1), "x"),
                new Node("b", new Layer.Slice(1, 1, 2), "x"),
                new Node("mul", new Layer.Multiply(Layer.Multiply.NO_GATE), List.of("a", "b"))));
        double[] x = values(6, 5, 1);
        double[] seed = values(3, 6, 1);
        Function<double[], double[]> f = v -> new double[] {v[0] * v[3], v[1] * v[4], v[2] * v[5]};
        Run r = run(k, g, new long[] {1, 2, 3}, x, seed);
        checkForwardAndGradient(r, f, x, seed, "product on " + k);
        double[] expected = new double[6];
        for (int i = 0; i < 3; i++) {
            expected[i] = seed[i] / 2;
            expected[3 + i] = seed[i] / 2;
        }
        assertClose(expected, r.lrp(), 1e-6, "uniform rule on " + k);
    }

    /** O = A·B of two 3×3 slices: AttnLRP Prop. 3.3, and Σ R_A + Σ R_B = Σ R. */
    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void matMulFollowsAttnLrp(EngineKind k) {
        Graph g = graph(new long[] {2, 3, 3}, List.of(
                new Node("a", new Layer.Slice(1, 0, 1), "x"),
                new Node("b", new Layer.Slice(1, 1, 2), "x"),
                new Node("mm", new Layer.MatMul(), List.of("a", "b"))));
        double[] x = values(18, 7, 1);
        double[] seed = values(9, 8, 1);
        Function<double[], double[]> f = v -> {
            double[] o = new double[9];
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) {
                    for (int p = 0; p < 3; p++) {
                        o[i * 3 + j] += v[i * 3 + p] * v[9 + p * 3 + j];
                    }
                }
            }
            return o;
        };
        Run r = run(k, g, new long[] {1, 2, 3, 3}, x, seed);
        checkForwardAndGradient(r, f, x, seed, "matmul on " + k);
        double[] o = f.apply(x);
        double[] expected = new double[18];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                double s = seed[i * 3 + j] / (2 * o[i * 3 + j]);
                for (int p = 0; p < 3; p++) {
                    expected[i * 3 + p] += x[i * 3 + p] * x[9 + p * 3 + j] * s;
                    expected[9 + p * 3 + j] += x[i * 3 + p] * x[9 + p * 3 + j] * s;
                }
            }
        }
        assertClose(expected, r.lrp(), 1e-4, "AttnLRP matmul on " + k);
        assertEquals(sum(seed), sum(r.lrp()), 1e-4 * sumAbs(expected), "matmul conserves relevance on " + k);
    }

    // ---------------------------------------------------------------- softmax, LayerNorm, mean

    /** AttnLRP Prop. 3.1 and the conservation loss the docs state: Σ R_in = Σ x⊙R − (Σ x⊙s)(Σ R) per row. */
    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void softmaxFollowsAttnLrpAndLosesTheStatedAmount(EngineKind k) {
        Graph g = graph(new long[] {2, 5}, List.of(new Node("sm", new Layer.Softmax(-1), "x")));
        double[] x = values(10, 9, 1.5);
        double[] seed = values(10, 10, 1);
        Function<double[], double[]> f = v -> {
            double[] y = new double[10];
            for (int row = 0; row < 2; row++) {
                double z = 0;
                for (int i = 0; i < 5; i++) {
                    z += Math.exp(v[row * 5 + i]);
                }
                for (int i = 0; i < 5; i++) {
                    y[row * 5 + i] = Math.exp(v[row * 5 + i]) / z;
                }
            }
            return y;
        };
        Run r = run(k, g, new long[] {1, 2, 5}, x, seed);
        checkForwardAndGradient(r, f, x, seed, "softmax on " + k);
        double[] s = f.apply(x);
        double[] expected = new double[10];
        double loss = 0;
        for (int row = 0; row < 2; row++) {
            double total = 0;
            double xs = 0;
            double xr = 0;
            for (int i = 0; i < 5; i++) {
                total += seed[row * 5 + i];
                xs += x[row * 5 + i] * s[row * 5 + i];
                xr += x[row * 5 + i] * seed[row * 5 + i];
            }
            for (int i = 0; i < 5; i++) {
                int j = row * 5 + i;
                expected[j] = x[j] * (seed[j] - s[j] * total);
            }
            loss += total - (xr - xs * total);
        }
        assertClose(expected, r.lrp(), 1e-5, "AttnLRP softmax on " + k);
        assertEquals(loss, sum(seed) - sum(r.lrp()), 1e-5 * sumAbs(seed), "softmax conservation loss on " + k);
    }

    /** Exact LayerNorm gradient (statistics included); LRP by the identity rule. */
    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void layerNormHasItsExactGradientAndTheIdentityRule(EngineKind k) {
        float[] gamma = toFloat(values(6, 11, 1));
        float[] beta = toFloat(values(6, 12, 0.5));
        Graph g = graph(new long[] {3, 6}, List.of(new Node("ln", new Layer.LayerNorm(
                new Weights(gamma, new long[] {6}), new Weights(beta, new long[] {6}), 1e-5f), "x")));
        double[] x = values(18, 13, 2);
        double[] seed = values(18, 14, 1);
        Run r = run(k, g, new long[] {1, 3, 6}, x, seed);
        checkForwardAndGradient(r, v -> layerNorm(v, gamma, beta), x, seed, "layer norm on " + k);
        assertClose(seed, r.lrp(), 1e-6, "LayerNorm identity rule on " + k);
    }

    /** The decomposed ONNX LayerNorm fuses into one LayerNorm with the same values. */
    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void decomposedLayerNormIsFused(EngineKind k) {
        float[] gamma = toFloat(values(6, 15, 1));
        float[] beta = toFloat(values(6, 16, 0.5));
        Graph decomposed = graph(new long[] {3, 6}, List.of(
                new Node("mean", new Layer.ReduceMean(new int[] {-1}, true), "x"),
                new Node("centred", new Layer.Subtract(), List.of("x", "mean")),
                new Node("square", new Layer.ConstantOp(ConstantOpKind.POW, scalarWeights(2), false), "centred"),
                new Node("var", new Layer.ReduceMean(new int[] {-1}, true), "square"),
                new Node("plus", new Layer.ConstantOp(ConstantOpKind.ADD, scalarWeights(1e-5f), false), "var"),
                new Node("std", Layer.Activation.of(ActivationKind.SQRT), "plus"),
                new Node("div", new Layer.Divide(), List.of("centred", "std")),
                new Node("scale", new Layer.ConstantOp(ConstantOpKind.MUL, new Weights(gamma, new long[] {6}),
                        false), "div"),
                new Node("shift", new Layer.ConstantOp(ConstantOpKind.ADD, new Weights(beta, new long[] {6}),
                        false), "scale")));
        Graph fused = GraphFusion.fuse(decomposed);
        assertEquals(1, fused.nodes().size(), fused.toString());
        assertTrue(fused.output().layer() instanceof Layer.LayerNorm, fused.toString());
        assertEquals("shift", fused.output().name());
        double[] x = values(18, 17, 2);
        double[] seed = values(18, 18, 1);
        Run unfused = run(k, decomposed, new long[] {1, 3, 6}, x, seed);
        Run r = run(k, fused, new long[] {1, 3, 6}, x, seed);
        checkForwardAndGradient(unfused, v -> layerNorm(v, gamma, beta), x, seed, "decomposed layer norm on " + k);
        checkForwardAndGradient(r, v -> layerNorm(v, gamma, beta), x, seed, "fused layer norm on " + k);
    }

    /** The exported GELU (Erf form) and SiLU (x·σ(x)) fuse into their activations. */
    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void exportedGeluAndSiluAreFused(EngineKind k) {
        Graph exported = graph(new long[] {8}, List.of(
                new Node("div", new Layer.ConstantOp(ConstantOpKind.DIV, scalarWeights((float) Math.sqrt(2)), false),
                        "x"),
                new Node("erf", Layer.Activation.of(ActivationKind.ERF), "div"),
                new Node("plus", new Layer.ConstantOp(ConstantOpKind.ADD, scalarWeights(1), false), "erf"),
                new Node("mul", new Layer.Multiply(Layer.Multiply.NO_GATE), List.of("x", "plus")),
                new Node("gelu", new Layer.ConstantOp(ConstantOpKind.MUL, scalarWeights(0.5f), false), "mul"),
                new Node("sig", Layer.Activation.of(ActivationKind.SIGMOID), "gelu"),
                new Node("silu", new Layer.Multiply(Layer.Multiply.NO_GATE), List.of("gelu", "sig"))));
        Graph fused = GraphFusion.fuse(exported);
        assertEquals(List.of("gelu", "silu"), fused.nodes().stream().map(Node::name).toList());
        assertEquals(ActivationKind.GELU, ((Layer.Activation) fused.node("gelu").layer()).function());
        assertEquals(ActivationKind.SILU, ((Layer.Activation) fused.node("silu").layer()).function());
        double[] x = values(8, 19, 2);
        double[] seed = values(8, 20, 1);
        Function<double[], double[]> f = v -> {
            double[] y = new double[v.length];
            for (int i = 0; i < v.length; i++) {
                double gelu = scalar(Act.GELU, v[i]);
                y[i] = scalar(Act.SILU, gelu);
            }
            return y;
        };
        Run r = run(k, fused, new long[] {1, 8}, x, seed);
        checkForwardAndGradient(r, f, x, seed, "fused GELU + SiLU on " + k);
        assertClose(seed, r.lrp(), 1e-6, "activations pass relevance on " + k);
    }

    /** ReduceMean by the z-rule: R_in = x ⊙ R / (n·mean), conservative. */
    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void meanFollowsTheZRule(EngineKind k) {
        Graph g = graph(new long[] {2, 4}, List.of(new Node("m", new Layer.ReduceMean(new int[] {2}, false), "x")));
        double[] x = values(8, 21, 1);
        double[] seed = values(2, 22, 1);
        Function<double[], double[]> f = v -> new double[] {(v[0] + v[1] + v[2] + v[3]) / 4,
            (v[4] + v[5] + v[6] + v[7]) / 4};
        Run r = run(k, g, new long[] {1, 2, 4}, x, seed);
        checkForwardAndGradient(r, f, x, seed, "mean on " + k);
        double[] mean = f.apply(x);
        double[] expected = new double[8];
        for (int i = 0; i < 8; i++) {
            expected[i] = x[i] * seed[i / 4] / (4 * mean[i / 4]);
        }
        assertClose(expected, r.lrp(), 1e-4, "mean z-rule on " + k);
        assertEquals(sum(seed), sum(r.lrp()), 1e-4 * sumAbs(expected), "mean conserves on " + k);
    }

    // ---------------------------------------------------------------- helpers

    private static double[] layerNorm(double[] v, float[] gamma, float[] beta) {
        int c = gamma.length;
        double[] y = new double[v.length];
        for (int row = 0; row < v.length / c; row++) {
            double mean = 0;
            for (int i = 0; i < c; i++) {
                mean += v[row * c + i] / c;
            }
            double var = 0;
            for (int i = 0; i < c; i++) {
                var += Math.pow(v[row * c + i] - mean, 2) / c;
            }
            for (int i = 0; i < c; i++) {
                y[row * c + i] = gamma[i] * (v[row * c + i] - mean) / Math.sqrt(var + 1e-5) + beta[i];
            }
        }
        return y;
    }

    /** erf by Abramowitz–Stegun 7.1.26 refined with a series: |error| below 1e-12 for |x| ≤ 6. */
    private static double erf(double x) {
        if (Math.abs(x) > 3) {
            double t = 1 / (1 + 0.5 * Math.abs(x));
            double tau = t * Math.exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                    + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                    + t * (-0.82215223 + t * 0.17087277)))))))));
            return Math.signum(x) * (1 - tau);
        }
        double sum = 0;
        double term = x;
        for (int n = 0; n < 200; n++) {
            sum += term / (2 * n + 1);
            term *= -x * x / (n + 1);
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }

    private static Weights scalarWeights(float v) {
        return new Weights(new float[] {v}, new long[] {1});
    }

    /** Seeded values, float32-representable so that both sides see the same input. */
    private static double[] values(int n, long seed, double scale) {
        Random r = new Random(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * scale);
        }
        return v;
    }

    private static void assertClose(double[] expected, double[] actual, double rel, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        double scale = 0;
        double err = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            err = Math.max(err, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(err <= rel * Math.max(scale, 1e-3), what + ": max error " + err + " for max|expected| " + scale);
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static double sum(double[] a) {
        double s = 0;
        for (double v : a) {
            s += v;
        }
        return s;
    }

    private static double sumAbs(double[] a) {
        double s = 0;
        for (double v : a) {
            s += Math.abs(v);
        }
        return s;
    }

    private static float[] toFloat(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    private static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }
}
