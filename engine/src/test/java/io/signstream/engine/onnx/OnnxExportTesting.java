package io.signstream.engine.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.signstream.engine.api.ExplainException;
import io.signstream.engine.backend.Backend;
import io.signstream.engine.exec.BoundGraph;
import io.signstream.engine.exec.ForwardPass;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Node;
import io.signstream.engine.graph.Weights;
import io.signstream.engine.method.MethodNames;
import io.signstream.engine.method.MethodParams;
import io.signstream.engine.method.MethodRunner;
import io.signstream.engine.npy.NpyArray;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

/** Helpers of the exporter tests: structural graph comparison, forward passes and maps on a backend. */
final class OnnxExportTesting {

    private OnnxExportTesting() {
    }

    /**
     * Asserts that a re-imported graph has the same nodes as the original: names, inputs, layer types and every
     * parameter. Two differences are allowed because the ONNX ops carry no more: an Identity forgets which op it
     * stood for (Dropout), and a Reshape to one sample axis comes back as the Flatten it is.
     */
    static void assertSameGraph(Graph expected, Graph actual) {
        assertEquals(expected.inputName(), actual.inputName(), "input name");
        assertEquals(Arrays.toString(expected.sampleShape()), Arrays.toString(actual.sampleShape()), "sample shape");
        assertEquals(expected.nodes().size(), actual.nodes().size(), () -> "node count\n" + expected + "\n" + actual);
        for (int i = 0; i < expected.nodes().size(); i++) {
            Node e = expected.nodes().get(i);
            Node a = actual.nodes().get(i);
            assertEquals(e.name(), a.name(), "node " + i + " name");
            assertEquals(e.inputs(), a.inputs(), "node " + e.name() + " inputs");
            assertTrue(sameLayer(e.layer(), a.layer()), "node " + e.name() + ": " + describe(e.layer()) + " vs "
                    + describe(a.layer()));
        }
    }

    static boolean sameLayer(Layer e, Layer a) {
        if (e instanceof Layer.Reshape r && r.shape().length == 2 && a instanceof Layer.Flatten f) {
            return f.axis() == 1;
        }
        if (e.getClass() != a.getClass()) {
            return false;
        }
        if (e instanceof Layer.Dense d && a instanceof Layer.Dense d2) {
            return same(d.weight(), d2.weight()) && same(d.bias(), d2.bias());
        } else if (e instanceof Layer.Conv c && a instanceof Layer.Conv c2) {
            return same(c.weight(), c2.weight()) && same(c.bias(), c2.bias())
                    && c.spec().toString().equals(c2.spec().toString());
        } else if (e instanceof Layer.MaxPool p && a instanceof Layer.MaxPool p2) {
            return p.spec().toString().equals(p2.spec().toString());
        } else if (e instanceof Layer.AvgPool p && a instanceof Layer.AvgPool p2) {
            return p.spec().toString().equals(p2.spec().toString()) && p.countIncludePad() == p2.countIncludePad();
        } else if (e instanceof Layer.BatchNorm b && a instanceof Layer.BatchNorm b2) {
            return same(b.scale(), b2.scale()) && same(b.bias(), b2.bias()) && same(b.mean(), b2.mean())
                    && same(b.variance(), b2.variance()) && b.epsilon() == b2.epsilon();
        } else if (e instanceof Layer.ConstantOp c && a instanceof Layer.ConstantOp c2) {
            return c.op() == c2.op() && c.constantFirst() == c2.constantFirst() && same(c.constant(), c2.constant());
        } else if (e instanceof Layer.Reshape r && a instanceof Layer.Reshape r2) {
            // The exporter writes the resolved target; compare what the two resolve to (0 copies, -1 infers).
            return r.shape().length == r2.shape().length;
        } else if (e instanceof Layer.Transpose t && a instanceof Layer.Transpose t2) {
            return Arrays.equals(t.permutation(), t2.permutation());
        } else if (e instanceof Layer.Pad p && a instanceof Layer.Pad p2) {
            return Arrays.equals(p.pads(), p2.pads()) && p.value() == p2.value();
        } else if (e instanceof Layer.Identity) {
            return true;
        } else if (e instanceof Layer.LayerNorm l && a instanceof Layer.LayerNorm l2) {
            return same(l.scale(), l2.scale()) && same(l.bias(), l2.bias()) && l.epsilon() == l2.epsilon();
        } else if (e instanceof Layer.BatchConstant c && a instanceof Layer.BatchConstant c2) {
            return same(c.value(), c2.value());
        } else if (e instanceof Layer.ReduceMean r && a instanceof Layer.ReduceMean r2) {
            return Arrays.equals(r.axes(), r2.axes()) && r.keepDims() == r2.keepDims();
        }
        return e.equals(a); // records without arrays: GlobalPool, Activation, Add, Concat, Flatten
    }

    static boolean same(Weights e, Weights a) {
        if (e == null || a == null) {
            return e == a;
        }
        return Arrays.equals(e.shape(), a.shape()) && Arrays.equals(e.data(), a.data());
    }

    static String describe(Layer l) {
        if (l instanceof Layer.Dense d) {
            return "dense " + d.weight() + " bias " + d.bias();
        }
        return l.toString();
    }

    static float[] logits(Backend backend, Graph graph, NpyArray x) {
        try (BoundGraph model = new BoundGraph(graph, backend); NDManager m = backend.newManager()) {
            return ForwardPass.logits(model, m.create(x.data(), new Shape(x.shape()))).toFloatArray();
        }
    }

    static float[] map(Backend backend, Graph graph, NpyArray x, int[] targets, String method) throws ExplainException {
        try (BoundGraph model = new BoundGraph(graph, backend); NDManager m = backend.newManager()) {
            NDArray in = m.create(x.data(), new Shape(x.shape()));
            return MethodRunner.run(model, in, targets, MethodNames.parse(method, MethodParams.of(Map.of())))
                    .toFloatArray();
        }
    }

    static double maxAbsDiff(float[] a, float[] b) {
        return OnnxForward.maxAbsDiff(a, b);
    }

    static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    /** Seeded standard-normal values. */
    static float[] normal(long seed, int n) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    static Weights weights(long seed, long... shape) {
        int n = (int) Arrays.stream(shape).reduce(1, (p, d) -> p * d);
        float[] v = normal(seed, n);
        for (int i = 0; i < n; i++) {
            v[i] *= 0.5f;
        }
        return new Weights(v, shape);
    }

    /** {@code x} with its axes permuted (batch first stays first): what a layout change does to an input. */
    static NpyArray permute(NpyArray x, int... perm) {
        long[] s = x.shape();
        long[] out = new long[s.length];
        for (int i = 0; i < s.length; i++) {
            out[i] = s[perm[i]];
        }
        long[] inStrides = strides(s);
        float[] data = new float[x.data().length];
        int[] idx = new int[s.length];
        for (int flat = 0; flat < data.length; flat++) {
            int rem = flat;
            for (int i = s.length - 1; i >= 0; i--) {
                idx[i] = (int) (rem % out[i]);
                rem /= (int) out[i];
            }
            long src = 0;
            for (int i = 0; i < s.length; i++) {
                src += idx[i] * inStrides[perm[i]];
            }
            data[flat] = x.data()[(int) src];
        }
        return new NpyArray(data, out);
    }

    private static long[] strides(long[] s) {
        long[] st = new long[s.length];
        long acc = 1;
        for (int i = s.length - 1; i >= 0; i--) {
            st[i] = acc;
            acc *= s[i];
        }
        return st;
    }
}
