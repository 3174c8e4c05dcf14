package io.signstream.engine.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.signstream.engine.exec.Pooling;
import io.signstream.engine.graph.ConvSpec;
import io.signstream.engine.graph.PoolSpec;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The TensorFlow backend's convolution, transpose and padding against the PyTorch backend on seeded random
 * inputs, and the transpose against the convolution itself (adjointness).
 */
class TensorFlowBackendTest {

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

    /**
     * One convolution geometry.
     *
     * @param spatial input length per spatial axis
     * @param kernel kernel length per spatial axis
     */
    record Case(String name, int n, int cin, int cout, int[] spatial, int[] kernel, ConvSpec spec) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                c("1d plain", 2, 3, 4, new int[] {11}, new int[] {3}, 1, new int[] {0}, new int[] {0}, 1, 1),
                c("1d stride2 pad1", 2, 3, 4, new int[] {12}, new int[] {3}, 2, new int[] {1}, new int[] {1}, 1, 1),
                c("1d asym pad", 2, 3, 4, new int[] {10}, new int[] {4}, 1, new int[] {2}, new int[] {1}, 1, 1),
                c("1d stride2 asym", 1, 3, 5, new int[] {13}, new int[] {3}, 2, new int[] {0}, new int[] {2}, 1, 1),
                c("1d dilation2", 2, 3, 4, new int[] {15}, new int[] {3}, 1, new int[] {2}, new int[] {2}, 2, 1),
                c("1d depthwise", 2, 4, 4, new int[] {11}, new int[] {3}, 1, new int[] {1}, new int[] {1}, 1, 4),
                c("1d depthwise x4 stride2", 2, 3, 12, new int[] {12}, new int[] {2}, 2, new int[] {0},
                        new int[] {0}, 1, 3),
                c("1d groups2", 2, 4, 6, new int[] {11}, new int[] {3}, 2, new int[] {1}, new int[] {0}, 1, 2),
                c("2d plain", 2, 3, 4, new int[] {9, 8}, new int[] {3, 3}, 1, new int[] {0, 0}, new int[] {0, 0},
                        1, 1),
                c("2d pad1", 2, 3, 5, new int[] {8, 8}, new int[] {3, 3}, 1, new int[] {1, 1}, new int[] {1, 1},
                        1, 1),
                c("2d stride2 pad1", 2, 3, 4, new int[] {9, 10}, new int[] {3, 3}, 2, new int[] {1, 1},
                        new int[] {1, 1}, 1, 1),
                c("2d asym pad", 2, 3, 4, new int[] {8, 9}, new int[] {4, 2}, 1, new int[] {2, 0},
                        new int[] {1, 1}, 1, 1),
                c("2d stride2 asym (SAME-like)", 1, 2, 3, new int[] {8, 8}, new int[] {3, 3}, 2,
                        new int[] {0, 0}, new int[] {1, 1}, 1, 1),
                c("2d dilation2", 2, 3, 4, new int[] {11, 10}, new int[] {3, 3}, 1, new int[] {2, 2},
                        new int[] {2, 2}, 2, 1),
                c("2d dilation2 stride2", 1, 2, 3, new int[] {12, 11}, new int[] {3, 2}, 2, new int[] {1, 0},
                        new int[] {2, 1}, 2, 1),
                c("2d depthwise", 2, 3, 3, new int[] {8, 7}, new int[] {3, 3}, 1, new int[] {1, 1},
                        new int[] {1, 1}, 1, 3),
                c("2d depthwise x4 stride2", 2, 3, 12, new int[] {8, 8}, new int[] {2, 2}, 2, new int[] {0, 0},
                        new int[] {0, 0}, 1, 3),
                c("2d depthwise asym dilation2", 1, 4, 8, new int[] {9, 9}, new int[] {3, 3}, 1,
                        new int[] {1, 2}, new int[] {2, 1}, 2, 4),
                c("2d groups2", 2, 4, 6, new int[] {7, 8}, new int[] {3, 3}, 1, new int[] {1, 1},
                        new int[] {1, 1}, 1, 2),
                c("2d groups2 stride2 asym", 1, 6, 4, new int[] {9, 8}, new int[] {3, 2}, 2, new int[] {1, 0},
                        new int[] {0, 1}, 1, 2),
                c("1d depthwise dilation2 asym", 2, 3, 6, new int[] {14}, new int[] {3}, 2, new int[] {3},
                        new int[] {1}, 2, 3),
                c("2d 1x1 pad1 (padding beyond the kernel)", 2, 3, 4, new int[] {5, 6}, new int[] {1, 1}, 1,
                        new int[] {1, 0}, new int[] {0, 1}, 1, 1),
                Arguments.of(new Case("2d depthwise strides 2x1", 1, 3, 6, new int[] {9, 8}, new int[] {3, 2},
                        new ConvSpec(new int[] {2, 1}, new int[] {1, 0}, new int[] {1, 1}, new int[] {1, 1}, 3))),
                Arguments.of(new Case("2d plain strides 1x3 dilations 1x2", 2, 2, 3, new int[] {6, 13},
                        new int[] {2, 3}, new ConvSpec(new int[] {1, 3}, new int[] {0, 2}, new int[] {1, 0},
                                new int[] {1, 2}, 1))));
    }

    private static Arguments c(String name, int n, int cin, int cout, int[] spatial, int[] kernel, int stride,
            int[] padBegin, int[] padEnd, int dilation, int groups) {
        int k = spatial.length;
        int[] s = new int[k];
        int[] d = new int[k];
        Arrays.fill(s, stride);
        Arrays.fill(d, dilation);
        return Arguments.of(new Case(name, n, cin, cout, spatial, kernel, new ConvSpec(s, padBegin, padEnd, d,
                groups)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void convAndTransposeMatchPyTorch(Case c) {
        Random rnd = new Random(c.name().hashCode());
        long[] xDims = dims(c.n(), c.cin(), c.spatial());
        long[] wDims = dims(c.cout(), c.cin() / c.spec().groups(), c.kernel());
        float[] x = random(rnd, xDims);
        float[] w = random(rnd, wDims);
        float[] b = random(rnd, new long[] {c.cout()});
        try (NDManager mp = pt.newManager(); NDManager mt = tf.newManager()) {
            NDArray ref = pt.conv(mp.create(x, new Shape(xDims)), mp.create(w, new Shape(wDims)),
                    mp.create(b, new Shape(c.cout())), c.spec());
            NDArray got = tf.conv(mt.create(x, new Shape(xDims)), mt.create(w, new Shape(wDims)),
                    mt.create(b, new Shape(c.cout())), c.spec());
            assertClose("conv " + c, ref, got, 1e-5);

            long[] gDims = ref.getShape().getShape().clone();
            float[] g = random(rnd, gDims);
            NDArray refT = pt.convTranspose(mp.create(g, new Shape(gDims)), mp.create(w, new Shape(wDims)),
                    c.spec(), new Shape(xDims));
            NDArray gotT = tf.convTranspose(mt.create(g, new Shape(gDims)), mt.create(w, new Shape(wDims)),
                    c.spec(), new Shape(xDims));
            assertClose("convTranspose " + c, refT, gotT, 1e-5);

            // <conv(x), g> == <x, convT(g)> on each engine alone (no bias)
            double tfAdjoint = adjointError(tf, mt, x, xDims, w, wDims, g, gotT, c.spec());
            double ptAdjoint = adjointError(pt, mp, x, xDims, w, wDims, g, refT, c.spec());
            System.err.printf("%-30s conv %.2e  transpose %.2e  adjoint tf %.2e pt %.2e%n", c, relDiff(ref, got),
                    relDiff(refT, gotT), tfAdjoint, ptAdjoint);
            assertTrue(tfAdjoint <= 1e-4, c + ": TensorFlow <conv(x),g> != <x,convT(g)>, rel " + tfAdjoint);
            assertTrue(ptAdjoint <= 1e-4, c + ": PyTorch <conv(x),g> != <x,convT(g)>, rel " + ptAdjoint);
        }
    }

    private static double adjointError(Backend b, NDManager m, float[] x, long[] xDims, float[] w, long[] wDims,
            float[] g, NDArray transposed, ConvSpec spec) {
        NDArray plain = b.conv(m.create(x, new Shape(xDims)), m.create(w, new Shape(wDims)), null, spec);
        double lhs = dot(plain.toFloatArray(), g);
        double rhs = dot(x, transposed.toFloatArray());
        return Math.abs(lhs - rhs) / Math.max(Math.abs(lhs), 1e-12);
    }

    /**
     * Bad operands fail in Java with a message, and the engine keeps working afterwards: a kernel error inside
     * TensorFlow's asynchronous eager context would poison every later op of the process.
     */
    @Test
    void badShapesAreRejectedBeforeTensorFlowSeesThem() {
        ConvSpec spec = ConvSpec.simple(2, 1, 1);
        try (NDManager m = tf.newManager()) {
            NDArray x = m.ones(new Shape(1, 3, 5, 5));
            NDArray w = m.ones(new Shape(4, 2, 3, 3));
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
                    IllegalArgumentException.class, () -> tf.conv(x, w, null, spec));
            assertTrue(e.getMessage().contains("channels"), e.getMessage());
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> tf.convTranspose(m.ones(new Shape(1, 4, 4, 5)), m.ones(new Shape(4, 3, 3, 3)), spec,
                            new Shape(1, 3, 5, 5)));
            NDArray ok = tf.conv(x, m.ones(new Shape(4, 3, 3, 3)), null, spec);
            assertArrayEquals(new long[] {1, 4, 5, 5}, ok.getShape().getShape());
            assertTrue(ok.toFloatArray()[6] == 27f);
        }
    }

    /** With the synchronous context a failing TensorFlow op fails alone; later ops still run. */
    @Test
    void aFailingOpDoesNotPoisonTheEngine() {
        try (NDManager m = tf.newManager()) {
            NDArray a = m.ones(new Shape(2, 3));
            org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                    () -> a.add(m.ones(new Shape(4, 5))).toFloatArray());
            assertArrayEquals(new float[] {2, 2, 2, 2, 2, 2}, a.add(a).toFloatArray());
        }
    }

    /** A pooling geometry: input (N, C, spatial...) and the window. */
    record PoolCase(String name, long[] input, PoolSpec spec) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<PoolCase> poolCases() {
        return Stream.of(
                new PoolCase("2d 2x2", new long[] {3, 4, 8, 6}, PoolSpec.square(2, 2)),
                new PoolCase("2d 2x2 odd input (last row and column unused)", new long[] {2, 3, 7, 9},
                        PoolSpec.square(2, 2)),
                new PoolCase("2d 3x3 stride 2 (overlapping)", new long[] {2, 2, 9, 8},
                        new PoolSpec(new int[] {3, 3}, new int[] {2, 2}, new int[2], new int[2])),
                new PoolCase("2d 2x3 stride 1x2", new long[] {1, 3, 6, 9},
                        new PoolSpec(new int[] {2, 3}, new int[] {1, 2}, new int[2], new int[2])),
                new PoolCase("1d 2", new long[] {2, 3, 10}, PoolSpec.square(1, 2)),
                new PoolCase("1d 3 stride 2", new long[] {2, 2, 11},
                        new PoolSpec(new int[] {3}, new int[] {2}, new int[1], new int[1])));
    }

    /**
     * TensorFlow's own MaxPoolGrad (on the one-channel-image view, pooling again) and, with the pooled values given,
     * the engine's native kernel for tiled 2-D windows (MaxPoolGrad for the others), against the shared formulation
     * of exec.Pooling on the same engine, on inputs with many ties (values from {-1, 0, 1}, zero backgrounds): the
     * signal must reach the same first maximum of every window.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("poolCases")
    void nativeMaxPoolMatchesSharedFormulation(PoolCase c) {
        Random rnd = new Random(11);
        float[] x = random(rnd, c.input());
        for (int i = 0; i < x.length; i++) {
            x[i] = Math.round(x[i]); // -1, 0, 1 (rarely ±2): ties in almost every window
        }
        Backend shared = new SharedPooling(tf);
        try (NDManager m = tf.newManager()) {
            NDArray xt = m.create(x, new Shape(c.input()));
            NDArray ref = Pooling.maxPool(shared, xt, c.spec());
            float[] up = random(rnd, ref.getShape().getShape());
            NDArray upstream = m.create(up, ref.getShape());
            NDArray refBack = Pooling.maxPoolBackward(shared, xt, c.spec(), upstream);
            for (NDArray pooled : new NDArray[] {ref, null}) {
                NDArray gotBack = Pooling.maxPoolBackward(tf, xt, pooled, c.spec(), upstream);
                assertArrayEquals(refBack.getShape().getShape(), gotBack.getShape().getShape(), "backward shape");
                // delta 0: exact, except that the shared formulation's 0·(−g) = −0 equals TensorFlow's +0
                assertArrayEquals(refBack.toFloatArray(), gotBack.toFloatArray(), 0f, "backward values");
            }
        }
    }

    @Test
    void paddedMaxPoolGradientIsLeftToTheSharedFormulation() {
        PoolSpec padded = new PoolSpec(new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1}, new int[] {1, 1});
        try (NDManager m = tf.newManager()) {
            NDArray x = m.ones(new Shape(1, 2, 6, 6));
            assertTrue(tf.maxPoolBackward(x, padded, m.ones(new Shape(1, 2, 3, 3))) == null,
                    "padding is not covered by the native kernel");
        }
    }

    /** A backend without native pooling, so that exec.Pooling takes its shared formulation. */
    record SharedPooling(Backend inner) implements Backend {
        @Override
        public EngineKind kind() {
            return inner.kind();
        }

        @Override
        public String device() {
            return inner.device();
        }

        @Override
        public NDManager newManager() {
            return inner.newManager();
        }

        @Override
        public NDArray conv(NDArray x, NDArray w, NDArray bias, ConvSpec spec) {
            return inner.conv(x, w, bias, spec);
        }

        @Override
        public NDArray convTranspose(NDArray g, NDArray w, ConvSpec spec, Shape inputShape) {
            return inner.convTranspose(g, w, spec, inputShape);
        }

        @Override
        public NDArray pad(NDArray x, long[] begin, long[] end, float value) {
            return inner.pad(x, begin, end, value);
        }

        @Override
        public NDArray where(NDArray condition, NDArray a, NDArray b) {
            return inner.where(condition, a, b);
        }

        @Override
        public void close() {
        }
    }

    /**
     * Both engines' ReLU gradient from the ReLU's output y (≥ 0, exact zeros included): g where y > 0, else 0,
     * written out here element by element.
     */
    @Test
    void reluBackwardMatchesDefault() {
        Random rnd = new Random(5);
        long[] dims = {2, 3, 4, 5};
        float[] y = random(rnd, dims);
        for (int i = 0; i < y.length; i++) {
            y[i] = i % 7 == 0 ? 0f : Math.max(y[i], 0f);
        }
        float[] g = random(rnd, dims);
        float[] expected = new float[g.length];
        for (int i = 0; i < g.length; i++) {
            expected[i] = y[i] > 0 ? g[i] : 0f;
        }
        try (NDManager mp = pt.newManager(); NDManager mt = tf.newManager()) {
            NDArray onPt = pt.reluBackward(mp.create(g, new Shape(dims)), mp.create(y, new Shape(dims)));
            NDArray onTf = tf.reluBackward(mt.create(g, new Shape(dims)), mt.create(y, new Shape(dims)));
            assertArrayEquals(expected, onPt.toFloatArray(), 0f);
            assertArrayEquals(expected, onTf.toFloatArray(), 0f);
        }
    }

    /**
     * Both engines' sign₊ (sign(0) = sign(−0) = +1) and SafeDivide's shift (the value at exact zeros, −0 included,
     * else 0), written out here element by element; equal bits, so +0 where the shift is 0.
     */
    @Test
    void signPlusAndValueWhereZeroMatchTheirDefinitions() {
        // no subnormals: TensorFlow's kernels read them as 0 (its CPU threads flush them), libtorch's do not
        float[] z = {-2.5f, -1e-30f, -0f, 0f, 1e-30f, 3f, -1e-37f, 1e-37f, 7e20f, -7e20f};
        float[] sign = new float[z.length];
        float[] shift = new float[z.length];
        for (int i = 0; i < z.length; i++) {
            sign[i] = z[i] >= 0 ? 1f : -1f;
            shift[i] = z[i] == 0 ? 1e-7f : 0f;
        }
        Shape shape = new Shape(2, z.length / 2);
        for (Backend b : new Backend[] {pt, tf}) {
            try (NDManager m = b.newManager()) {
                NDArray zt = m.create(z, shape);
                assertArrayEquals(sign, b.signPlus(zt).toFloatArray(), b.kind() + " sign₊");
                float[] got = b.valueWhereZero(zt, 1e-7f).toFloatArray();
                for (int i = 0; i < z.length; i++) {
                    assertEquals(Float.floatToIntBits(shift[i]), Float.floatToIntBits(got[i]),
                            b.kind() + " shift at " + z[i] + ": " + got[i]);
                }
            }
        }
    }

    /** ε-LRP's division, fused on PyTorch (native kernel), element-wise on TensorFlow: r / (z + ε·sign₊(z)) exactly. */
    @Test
    void epsilonDivideMatchesItsDefinitionBitForBit() {
        float[] z = {-2.5f, -1e-30f, -0f, 0f, 1e-30f, 3f, -0.1f, 0.1f, 7e20f, -7e20f, Float.NaN, 1e-3f};
        float[] r = {1f, -2f, 3f, 0.5f, -1e-3f, 4f, 5f, -6f, 1e30f, 2f, 1f, -0f};
        float eps = 0.1f;
        float[] expected = new float[z.length];
        for (int i = 0; i < z.length; i++) {
            expected[i] = r[i] / (z[i] + (z[i] >= 0 ? eps : -eps));
        }
        Shape shape = new Shape(3, z.length / 3);
        for (Backend b : new Backend[] {pt, tf}) {
            try (NDManager m = b.newManager()) {
                float[] got = b.epsilonDivide(m.create(r, shape), m.create(z, shape), eps).toFloatArray();
                for (int i = 0; i < z.length; i++) {
                    assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(got[i]),
                            b.kind() + " at z = " + z[i] + ", r = " + r[i] + ": " + got[i]);
                }
            }
        }
    }

    /** SafeDivide, fused on PyTorch (native kernel), element-wise on TensorFlow: a / (b + [b = 0]·1e-7) exactly. */
    @Test
    void safeDivideMatchesItsDefinitionBitForBit() {
        float[] b = {-2.5f, -1e-30f, -0f, 0f, 1e-30f, 3f, -0.1f, 0.1f, 7e20f, -7e20f, Float.NaN, 1e-3f};
        float[] a = {1f, -2f, 3f, -0.5f, -1e-3f, 4f, 5f, -6f, 1e30f, 2f, 1f, -0f};
        float[] expected = new float[b.length];
        for (int i = 0; i < b.length; i++) {
            expected[i] = a[i] / (b[i] + (b[i] == 0 ? 1e-7f : 0f));
        }
        Shape shape = new Shape(2, b.length / 2);
        for (Backend be : new Backend[] {pt, tf}) {
            try (NDManager m = be.newManager()) {
                float[] got = be.safeDivide(m.create(a, shape), m.create(b, shape), 1e-7f).toFloatArray();
                for (int i = 0; i < b.length; i++) {
                    assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(got[i]),
                            be.kind() + " at b = " + b[i] + ", a = " + a[i] + ": " + got[i]);
                }
            }
        }
    }

    @Test
    void whereMatchesDefault() {
        float[] x = random(new Random(3), new long[] {2, 6});
        try (NDManager mp = pt.newManager(); NDManager mt = tf.newManager()) {
            NDArray xp = mp.create(x, new Shape(2, 6));
            NDArray xt = mt.create(x, new Shape(2, 6));
            NDArray ref = pt.where(xp.gt(0f), xp, mp.create(-1f));
            NDArray got = tf.where(xt.gt(0f), xt, mt.create(-1f));
            assertArrayEquals(ref.toFloatArray(), got.toFloatArray());
        }
    }

    @Test
    void padMatchesDefault() {
        float[] x = random(new Random(7), new long[] {2, 3, 4, 5});
        Shape shape = new Shape(2, 3, 4, 5);
        long[] begin = {0, 1, 2, 0};
        long[] end = {1, 0, 1, 3};
        try (NDManager mp = pt.newManager(); NDManager mt = tf.newManager()) {
            NDArray ref = pt.pad(mp.create(x, shape), begin, end, -2.5f);
            NDArray got = tf.pad(mt.create(x, shape), begin, end, -2.5f);
            assertArrayEquals(ref.getShape().getShape(), got.getShape().getShape());
            assertArrayEquals(ref.toFloatArray(), got.toFloatArray());
        }
    }

    static long[] dims(long a, long b, int[] rest) {
        long[] d = new long[2 + rest.length];
        d[0] = a;
        d[1] = b;
        for (int i = 0; i < rest.length; i++) {
            d[2 + i] = rest[i];
        }
        return d;
    }

    static float[] random(Random rnd, long[] dims) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        float[] out = new float[(int) n];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) rnd.nextGaussian();
        }
        return out;
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    /** max |ref − got| / max |ref|. */
    static double relDiff(NDArray ref, NDArray got) {
        return relDiff(ref.toFloatArray(), got.toFloatArray());
    }

    static double relDiff(float[] r, float[] g) {
        double maxRef = 0;
        double maxDiff = 0;
        for (int i = 0; i < r.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(r[i]));
            maxDiff = Math.max(maxDiff, Math.abs(r[i] - g[i]));
        }
        return maxDiff / Math.max(maxRef, 1e-30);
    }

    static void assertClose(String what, NDArray ref, NDArray got, double tol) {
        assertArrayEquals(ref.getShape().getShape(), got.getShape().getShape(), what + ": shape");
        double rel = relDiff(ref, got);
        assertTrue(rel <= tol, what + ": max abs diff / max |ref| = " + rel);
    }
}
