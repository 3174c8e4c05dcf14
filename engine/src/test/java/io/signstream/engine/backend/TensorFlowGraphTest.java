package io.signstream.engine.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.signstream.engine.exec.Activations;
import io.signstream.engine.exec.BoundGraph;
import io.signstream.engine.exec.DeconvNetPropagation;
import io.signstream.engine.exec.ForwardPass;
import io.signstream.engine.exec.GradientPropagation;
import io.signstream.engine.exec.GuidedBackpropPropagation;
import io.signstream.engine.exec.Propagation;
import io.signstream.engine.exec.ReversePass;
import io.signstream.engine.graph.ActivationKind;
import io.signstream.engine.graph.ConvSpec;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Node;
import io.signstream.engine.graph.PoolSpec;
import io.signstream.engine.graph.TensorLayout;
import io.signstream.engine.graph.Weights;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The shared forward and reverse passes on both backends over small hand-built graphs: the TensorFlow results
 * must match the PyTorch ones, and the PyTorch gradient must match PyTorch's own autograd on the same operations
 * (which checks the shared reverse pass itself, not only that the engines agree).
 */
// libtorch's autograd is one of this test's references: it runs capped at AVX (engine/pom.xml, "libtorch-autograd")
@Tag("libtorch-autograd")
class TensorFlowGraphTest {

    private static final int CLASSES = 5;

    private static Backend pt;
    private static Backend tf;

    @BeforeAll
    static void open() {
        pt = Backends.open(EngineKind.PYTORCH);
        tf = Backends.open(EngineKind.TENSORFLOW);
    }

    @AfterAll
    static void close() {
        if (tf != null) {
            tf.close();
        }
        if (pt != null) {
            pt.close();
        }
    }

    /** The weights of the 2-D test graph, drawn once from a seed. */
    static final class ImageNet {
        final Random rnd = new Random(2024);
        final Weights c1w = w(rnd, 4, 2, 3, 3);
        final Weights c1b = bias(rnd, 4);
        final Weights c2w = w(rnd, 6, 4, 3, 3);
        final Weights c2b = bias(rnd, 6);
        final Weights c3w = w(rnd, 6, 4, 1, 1);
        final Weights bnScale = positive(rnd, 6);
        final Weights bnBias = bias(rnd, 6);
        final Weights bnMean = bias(rnd, 6);
        final Weights bnVar = positive(rnd, 6);
        final Weights d1w = w(rnd, 16, 90);
        final Weights d1b = bias(rnd, 16);
        final Weights d2w = w(rnd, 12, 16);
        final Weights d2b = bias(rnd, 12);
        final Weights d3w = w(rnd, CLASSES, 12);
        final Weights d3b = bias(rnd, CLASSES);

        /**
         * conv 3×3 pad 1 → ReLU → maxpool 2 → { conv 3×3 pad 1 → ReLU ; conv 1×1 → BatchNorm } → Add → Concat with
         * the pooled map → LeakyReLU → avgpool 2 stride 2 pad 1 (count_include_pad) → Flatten → Dense → Tanh →
         * Dense → Sigmoid → Dense.
         */
        Graph graph() {
            PoolSpec avg = new PoolSpec(new int[] {2, 2}, new int[] {2, 2}, new int[] {1, 1}, new int[] {1, 1});
            return new Graph("image", "x", new long[] {2, 8, 8}, TensorLayout.NCHW, List.of(
                    new Node("conv1", new Layer.Conv(c1w, c1b, ConvSpec.simple(2, 1, 1)), "x"),
                    new Node("relu1", Layer.Activation.of(ActivationKind.RELU), "conv1"),
                    new Node("pool1", new Layer.MaxPool(PoolSpec.square(2, 2)), "relu1"),
                    new Node("conv2", new Layer.Conv(c2w, c2b, ConvSpec.simple(2, 1, 1)), "pool1"),
                    new Node("relu2", Layer.Activation.of(ActivationKind.RELU), "conv2"),
                    new Node("conv3", new Layer.Conv(c3w, null, ConvSpec.simple(2, 1, 0)), "pool1"),
                    new Node("bn3", new Layer.BatchNorm(bnScale, bnBias, bnMean, bnVar, 1e-3f), "conv3"),
                    new Node("add", new Layer.Add(), List.of("relu2", "bn3")),
                    new Node("cat", new Layer.Concat(1), List.of("add", "pool1")),
                    new Node("leaky", new Layer.Activation(ActivationKind.LEAKY_RELU, 0.1f), "cat"),
                    new Node("pool2", new Layer.AvgPool(avg, true), "leaky"),
                    new Node("flat", new Layer.Flatten(1), "pool2"),
                    new Node("fc1", new Layer.Dense(d1w, d1b), "flat"),
                    new Node("tanh", Layer.Activation.of(ActivationKind.TANH), "fc1"),
                    new Node("fc2", new Layer.Dense(d2w, d2b), "tanh"),
                    new Node("sig", Layer.Activation.of(ActivationKind.SIGMOID), "fc2"),
                    new Node("fc3", new Layer.Dense(d3w, d3b), "sig")));
        }

        /** The same graph as plain PyTorch NDArray operations, for autograd. */
        NDArray forward(NDManager m, NDArray x) {
            NDArray y = conv(x, arr(m, c1w), arr(m, c1b), 1).maximum(0f);
            NDArray p1 = y.getNDArrayInternal().maxPool(new Shape(2, 2), new Shape(2, 2), new Shape(0, 0), false);
            NDArray a = conv(p1, arr(m, c2w), arr(m, c2b), 1).maximum(0f);
            NDArray factor = arr(m, bnScale).div(arr(m, bnVar).add(1e-3f).sqrt());
            NDArray shift = arr(m, bnBias).sub(arr(m, bnMean).mul(factor));
            NDArray b = conv(p1, arr(m, c3w), null, 0).mul(factor.reshape(1, 6, 1, 1)).add(shift.reshape(1, 6, 1, 1));
            NDArray cat = NDArrays.concat(new NDList(a.add(b), p1), 1);
            NDArray leaky = cat.getNDArrayInternal().leakyRelu(0.1f);
            NDArray avg = leaky.getNDArrayInternal().avgPool(new Shape(2, 2), new Shape(2, 2), new Shape(1, 1),
                    false, true);
            NDArray h = avg.reshape(avg.getShape().get(0), -1);
            h = h.matMul(arr(m, d1w).transpose()).add(arr(m, d1b)).tanh();
            h = h.matMul(arr(m, d2w).transpose()).add(arr(m, d2b)).getNDArrayInternal().sigmoid();
            return h.matMul(arr(m, d3w).transpose()).add(arr(m, d3b));
        }

        private static NDArray conv(NDArray x, NDArray w, NDArray b, int pad) {
            return x.getNDArrayInternal().convolution(x, w, b, new Shape(1, 1), new Shape(pad, pad), new Shape(1, 1), 1)
                    .singletonOrThrow();
        }
    }

    /** Weights of the 1-D graph: padded max pooling, avgpool without count_include_pad, depthwise, global max. */
    static final class SequenceNet {
        final Random rnd = new Random(77);
        final Weights c1w = w(rnd, 4, 3, 5);
        final Weights c1b = bias(rnd, 4);
        final Weights dww = w(rnd, 8, 1, 3);
        final Weights dwb = bias(rnd, 8);
        final Weights dw = w(rnd, CLASSES, 8);
        final Weights db = bias(rnd, CLASSES);

        Graph graph() {
            PoolSpec max = new PoolSpec(new int[] {3}, new int[] {2}, new int[] {1}, new int[] {1});
            PoolSpec avg = new PoolSpec(new int[] {2}, new int[] {1}, new int[] {1}, new int[] {0});
            ConvSpec asym = new ConvSpec(new int[] {1}, new int[] {2}, new int[] {1}, new int[] {1}, 1);
            ConvSpec depthwise = new ConvSpec(new int[] {1}, new int[] {2}, new int[] {2}, new int[] {2}, 4);
            return new Graph("sequence", "x", new long[] {3, 20}, TensorLayout.NCT, List.of(
                    new Node("conv1", new Layer.Conv(c1w, c1b, asym), "x"),
                    new Node("relu1", Layer.Activation.of(ActivationKind.RELU), "conv1"),
                    new Node("pool1", new Layer.MaxPool(max), "relu1"),
                    new Node("dw", new Layer.Conv(dww, dwb, depthwise), "pool1"),
                    new Node("relu2", Layer.Activation.of(ActivationKind.RELU), "dw"),
                    new Node("pool2", new Layer.AvgPool(avg, false), "relu2"),
                    new Node("gmax", new Layer.GlobalPool(true), "pool2"),
                    new Node("flat", new Layer.Flatten(1), "gmax"),
                    new Node("fc", new Layer.Dense(dw, db), "flat")));
        }

        /** The same graph as plain PyTorch operations (asymmetric pads written out, as torch has none). */
        NDArray forward(Backend torch, NDManager m, NDArray x) {
            NDArray padded = torch.pad(x, new long[] {0, 0, 2}, new long[] {0, 0, 1}, 0f);
            NDArray y = padded.getNDArrayInternal().convolution(padded, arr(m, c1w), arr(m, c1b), new Shape(1),
                    new Shape(0), new Shape(1), 1).singletonOrThrow().maximum(0f);
            y = y.getNDArrayInternal().maxPool(new Shape(3), new Shape(2), new Shape(1), false);
            y = y.getNDArrayInternal().convolution(y, arr(m, dww), arr(m, dwb), new Shape(1), new Shape(2),
                    new Shape(2), 4).singletonOrThrow().maximum(0f);
            long length = y.getShape().get(2);
            // pads 1/0 with a window of 2 at stride 1: the first L windows of symmetric padding 1. DJL's PyTorch
            // avgPool ignores countIncludePad=false (it divides the first window by 2), so the border window's
            // divisor is corrected by hand: it holds one real value.
            float[] fix = new float[(int) length];
            java.util.Arrays.fill(fix, 1f);
            fix[0] = 2f;
            y = y.getNDArrayInternal().avgPool(new Shape(2), new Shape(1), new Shape(1), false, true)
                    .get(":,:,0:" + length).mul(m.create(fix, new Shape(length)));
            y = y.getNDArrayInternal().globalMaxPool().reshape(x.getShape().get(0), -1);
            return y.matMul(arr(m, dw).transpose()).add(arr(m, db));
        }
    }

    @Test
    void imageGraphAgreesAcrossEnginesAndWithAutograd() {
        ImageNet net = new ImageNet();
        Shape shape = new Shape(2, 2, 8, 8);
        float[] x = imageBatch(new Random(5));
        assertTrue(positiveTiesInPoolWindows(net.graph(), x, shape) > 0, "the test input must have max-pool ties");
        compareEngines("image", net.graph(), x, shape, new int[] {1, 3});
        checkAgainstAutograd("image", net.graph(), net::forward, x, shape, new int[] {1, 3});
    }

    /** 2×2 windows of the first max-pool input whose positive maximum occurs more than once. */
    private static int positiveTiesInPoolWindows(Graph graph, float[] x, Shape shape) {
        try (BoundGraph model = new BoundGraph(graph, pt); NDManager m = pt.newManager()) {
            NDArray relu = ForwardPass.run(model, m.create(x, shape)).get("relu1");
            long[] d = relu.getShape().getShape();
            float[] v = relu.toFloatArray();
            int ties = 0;
            for (int nc = 0; nc < d[0] * d[1]; nc++) {
                for (int h = 0; h < d[2]; h += 2) {
                    for (int w = 0; w < d[3]; w += 2) {
                        int base = (int) (nc * d[2] * d[3] + h * d[3] + w);
                        float[] win = {v[base], v[base + 1], v[base + (int) d[3]], v[base + (int) d[3] + 1]};
                        float max = Math.max(Math.max(win[0], win[1]), Math.max(win[2], win[3]));
                        int count = 0;
                        for (float f : win) {
                            count += f == max ? 1 : 0;
                        }
                        ties += max > 0 && count > 1 ? 1 : 0;
                    }
                }
            }
            System.err.println("image graph: max-pool windows with a tied positive maximum: " + ties);
            return ties;
        }
    }

    @Test
    void sequenceGraphAgreesAcrossEngines() {
        SequenceNet net = new SequenceNet();
        Shape shape = new Shape(2, 3, 20);
        Random rnd = new Random(9);
        float[] x = new float[(int) shape.size()];
        for (int i = 0; i < x.length; i++) {
            // the second sample has a zero tail: ties inside the padded max-pool windows
            x[i] = i >= x.length / 2 && i % 20 >= 10 ? 0f : (float) rnd.nextGaussian();
        }
        compareEngines("sequence", net.graph(), x, shape, new int[] {0, 4});
        checkAgainstAutograd("sequence", net.graph(), (m, in) -> net.forward(pt, m, in), x, shape,
                new int[] {0, 4});
    }

    /** Sample 0: Gaussian noise. Sample 1: a zero-padded image whose constant blocks tie in the max-pool windows. */
    private static float[] imageBatch(Random rnd) {
        float[] x = new float[2 * 2 * 8 * 8];
        for (int i = 0; i < 128; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        for (int c = 0; c < 2; c++) {
            for (int h = 2; h < 6; h++) {
                for (int w = 2; w < 6; w++) {
                    x[128 + c * 64 + h * 8 + w] = h < 4 ? 1f : (w < 4 ? -0.5f : 0.75f);
                }
            }
        }
        return x;
    }

    private static void compareEngines(String name, Graph graph, float[] x, Shape shape, int[] targets) {
        Map<String, Supplier<Propagation>> rules = Map.of("gradient", GradientPropagation::new,
                "guided", GuidedBackpropPropagation::new, "deconvnet", DeconvNetPropagation::new);
        try (BoundGraph mp = new BoundGraph(graph, pt); BoundGraph mt = new BoundGraph(graph, tf);
                NDManager np = pt.newManager(); NDManager nt = tf.newManager()) {
            Activations ap = ForwardPass.run(mp, np.create(x, shape));
            Activations at = ForwardPass.run(mt, nt.create(x, shape));
            double out = relDiff(ap.output().toFloatArray(), at.output().toFloatArray());
            System.err.printf("%s graph: output max diff / max |ref| = %.2e%n", name, out);
            assertTrue(out <= 1e-5, name + " outputs differ: " + out);
            for (String rule : List.of("gradient", "guided", "deconvnet")) {
                NDArray gp = ReversePass.toInput(mp, ap, seed(np, targets), rules.get(rule).get());
                NDArray gt = ReversePass.toInput(mt, at, seed(nt, targets), rules.get(rule).get());
                assertArrayEquals(shape.getShape(), gt.getShape().getShape());
                double d = relDiff(gp.toFloatArray(), gt.toFloatArray());
                System.err.printf("%s graph: %s input signal max diff / max |ref| = %.2e%n", name, rule, d);
                assertTrue(d <= 1e-4, name + " " + rule + " differs between engines: " + d);
            }
        }
    }

    /**
     * The shared reverse pass on PyTorch against PyTorch's autograd through the same operations written directly.
     *
     * @param direct builds the graph's output from an input with plain NDArray operations
     */
    private static void checkAgainstAutograd(String name, Graph graph, BiFunction<NDManager, NDArray, NDArray> direct,
            float[] x, Shape shape, int[] targets) {
        try (BoundGraph mp = new BoundGraph(graph, pt); NDManager m = pt.newManager()) {
            Activations acts = ForwardPass.run(mp, m.create(x, shape));
            float[] ours = ReversePass.toInput(mp, acts, seed(m, targets), new GradientPropagation()).toFloatArray();

            NDArray input = m.create(x, shape);
            input.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray out = direct.apply(m, input);
                float[] logits = out.toFloatArray();
                gc.backward(out.mul(seed(m, targets)).sum());
                float[] autograd = input.getGradient().toFloatArray();
                double fwd = relDiff(logits, acts.output().toFloatArray());
                double d = relDiff(autograd, ours);
                System.err.printf("%s graph: PyTorch reverse pass vs autograd: output %.2e, gradient %.2e%n", name,
                        fwd, d);
                assertTrue(fwd <= 1e-5, name + " graph forward differs from the plain PyTorch ops: " + fwd);
                assertTrue(d <= 1e-4, name + " reverse-pass gradient differs from autograd: " + d);
            }
        }
    }

    private static NDArray seed(NDManager m, int[] targets) {
        float[] s = new float[targets.length * CLASSES];
        for (int i = 0; i < targets.length; i++) {
            s[i * CLASSES + targets[i]] = 1f;
        }
        return m.create(s, new Shape(targets.length, CLASSES));
    }

    private static NDArray arr(NDManager m, Weights w) {
        return m.create(w.data(), new Shape(w.shape()));
    }

    /** Gaussian weights scaled by 1/√fan-in, so tanh and sigmoid stay out of saturation. */
    private static Weights w(Random rnd, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        double scale = 1.0 / Math.sqrt(n / shape[0]);
        float[] data = new float[(int) n];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) (rnd.nextGaussian() * scale);
        }
        return new Weights(data, shape);
    }

    private static Weights bias(Random rnd, int n) {
        float[] data = new float[n];
        for (int i = 0; i < n; i++) {
            data[i] = (float) (0.1 * rnd.nextGaussian());
        }
        return new Weights(data, new long[] {n});
    }

    private static Weights positive(Random rnd, int n) {
        float[] data = new float[n];
        for (int i = 0; i < n; i++) {
            data[i] = (float) (0.5 + rnd.nextDouble());
        }
        return new Weights(data, new long[] {n});
    }

    /** max |ref − got| / max |ref|. */
    static double relDiff(float[] r, float[] g) {
        assertTrue(r.length == g.length, "sizes differ: " + r.length + " vs " + g.length);
        double maxRef = 0;
        double maxDiff = 0;
        for (int i = 0; i < r.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(r[i]));
            maxDiff = Math.max(maxDiff, Math.abs(r[i] - g[i]));
        }
        return maxDiff / Math.max(maxRef, 1e-30);
    }
}
