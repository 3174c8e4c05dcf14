package io.signstream.engine.backend;

import static io.signstream.engine.backend.TensorFlowBackendTest.dims;
import static io.signstream.engine.backend.TensorFlowBackendTest.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.signstream.engine.backend.TensorFlowBackendTest.Case;
import io.signstream.engine.backend.TensorFlowBackendTest.PoolCase;
import io.signstream.engine.backend.TensorFlowBackendTest.SharedPooling;
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
 * The PyTorch backend's fast paths against independent references: the strided transposed convolution (phase
 * decomposition) against a float64 loop over the convolution's taps and against the zero-insert form, and the
 * strided-view max pooling (and libtorch's gradient of it) against the shared formulation of {@code exec.Pooling} on inputs full of ties.
 */
class PyTorchBackendTest {

    private static Backend pt;

    @BeforeAll
    static void open() {
        pt = Backends.open(EngineKind.PYTORCH);
    }

    @AfterAll
    static void close() {
        if (pt != null) {
            pt.close();
        }
    }

    /** TensorFlowBackendTest's geometries plus the strided ones of common CNNs (ResNet's stem, its 1×1 shortcut). */
    static Stream<Arguments> transposeCases() {
        return Stream.concat(TensorFlowBackendTest.cases(), Stream.of(
                c("2d 7x7 stride2 pad3 (ResNet stem)", 2, 3, 5, new int[] {18, 17}, new int[] {7, 7}, new int[] {2, 2},
                        new int[] {3, 3}, new int[] {3, 3}, 1),
                c("2d 1x1 stride2 (shortcut)", 2, 4, 6, new int[] {8, 8}, new int[] {1, 1}, new int[] {2, 2},
                        new int[] {0, 0}, new int[] {0, 0}, 1),
                c("2d 1x1 stride2 odd input", 1, 4, 6, new int[] {9, 7}, new int[] {1, 1}, new int[] {2, 2},
                        new int[] {0, 0}, new int[] {0, 0}, 1),
                c("2d 3x3 stride2 pad1 even input", 2, 4, 3, new int[] {8, 10}, new int[] {3, 3},
                        new int[] {2, 2}, new int[] {1, 1}, new int[] {1, 1}, 1),
                c("2d 4x4 stride2 pad1", 1, 3, 4, new int[] {9, 8}, new int[] {4, 4}, new int[] {2, 2},
                        new int[] {1, 1}, new int[] {1, 1}, 1),
                c("2d 5x3 stride 3x2 pad 2x0", 1, 2, 3, new int[] {13, 9}, new int[] {5, 3}, new int[] {3, 2},
                        new int[] {2, 0}, new int[] {1, 1}, 1),
                c("2d 2x2 stride 4 (kernel shorter than the stride)", 1, 3, 2, new int[] {11, 12},
                        new int[] {2, 2}, new int[] {4, 4}, new int[] {0, 1}, new int[] {0, 0}, 1),
                c("2d groups3 stride2 pad1", 2, 6, 9, new int[] {9, 8}, new int[] {3, 3}, new int[] {2, 2},
                        new int[] {1, 1}, new int[] {1, 1}, 3),
                c("1d 5 stride3 pad2", 2, 3, 4, new int[] {16}, new int[] {5}, new int[] {3}, new int[] {2},
                        new int[] {1}, 1),
                c("3d 3x3x3 stride2 pad1", 1, 2, 3, new int[] {5, 6, 7}, new int[] {3, 3, 3},
                        new int[] {2, 2, 2}, new int[] {1, 1, 1}, new int[] {1, 1, 1}, 1),
                c("3d 1x3x3 stride 1x2x2", 1, 2, 3, new int[] {3, 8, 7}, new int[] {1, 3, 3},
                        new int[] {1, 2, 2}, new int[] {0, 1, 1}, new int[] {0, 1, 1}, 1),
                // one input channel (a grey-scale first layer): the transpose has a single output channel
                c("2d one input channel 3x3 pad1 (digits_cnn's first layer)", 2, 1, 8, new int[] {9, 8},
                        new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1),
                c("2d one input channel 5x3 pad 2x1", 2, 1, 3, new int[] {7, 6}, new int[] {5, 3},
                        new int[] {1, 1}, new int[] {2, 1}, new int[] {2, 1}, 1),
                c("2d one channel in and out, no padding", 1, 1, 1, new int[] {6, 7}, new int[] {3, 2},
                        new int[] {1, 1}, new int[] {0, 0}, new int[] {0, 0}, 1),
                c("1d one input channel 5 pad2", 3, 1, 4, new int[] {12}, new int[] {5}, new int[] {1},
                        new int[] {2}, new int[] {2}, 1),
                // up to four input channels, stride 1: ColumnTransposedConvolution
                c("2d three input channels 3x3 pad1 (an RGB first layer)", 2, 3, 5, new int[] {9, 8},
                        new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1),
                c("2d three input channels 4x4 pads 1/2 (Keras same, even kernel)", 1, 3, 4, new int[] {8, 9},
                        new int[] {4, 4}, new int[] {1, 1}, new int[] {1, 1}, new int[] {2, 2}, 1),
                c("2d four input channels 2x3 pads 0/1 and 1/1", 2, 4, 3, new int[] {7, 6}, new int[] {2, 3},
                        new int[] {1, 1}, new int[] {0, 1}, new int[] {1, 1}, 1),
                c("2d two input channels 3x3 pad 3 (wider than the kernel)", 1, 2, 3, new int[] {5, 6},
                        new int[] {3, 3}, new int[] {1, 1}, new int[] {3, 3}, new int[] {3, 3}, 1),
                c("2d five input channels (a flipped convolution again)", 1, 5, 2, new int[] {6, 6},
                        new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1)));
    }

    /** The column form takes 2-D, one-group, stride-1, undilated transposes to at most four channels. */
    @Test
    void columnFormTakesStrideOneTransposesToFewChannels() {
        ConvSpec same = ConvSpec.simple(2, 1, 1);
        assertTrue(ColumnTransposedConvolution.applies(new Shape(8, 1, 3, 3), same), "grey-scale first layer");
        assertTrue(ColumnTransposedConvolution.applies(new Shape(64, 3, 3, 3), same), "RGB first layer");
        assertTrue(!ColumnTransposedConvolution.applies(new Shape(8, 5, 3, 3), same), "five channels");
        assertTrue(!ColumnTransposedConvolution.applies(new Shape(8, 3, 3, 3),
                new ConvSpec(new int[] {2, 2}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1)), "stride 2");
        assertTrue(!ColumnTransposedConvolution.applies(new Shape(8, 3, 3, 3),
                new ConvSpec(new int[] {1, 1}, new int[] {2, 2}, new int[] {2, 2}, new int[] {2, 2}, 1)), "dilated");
        assertTrue(!ColumnTransposedConvolution.applies(new Shape(6, 1, 3, 3),
                new ConvSpec(new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 3)), "groups");
        assertTrue(!ColumnTransposedConvolution.applies(new Shape(4, 1, 5), ConvSpec.simple(1, 1, 2)), "1-D");
    }

    private static Arguments c(String name, int n, int cin, int cout, int[] spatial, int[] kernel, int[] strides,
            int[] padBegin, int[] padEnd, int groups) {
        int[] d = new int[spatial.length];
        Arrays.fill(d, 1);
        return Arguments.of(new Case(name, n, cin, cout, spatial, kernel,
                new ConvSpec(strides, padBegin, padEnd, d, groups)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transposeCases")
    void convTransposeMatchesFloat64Taps(Case c) {
        Random rnd = new Random(c.name().hashCode());
        long[] xDims = dims(c.n(), c.cin(), c.spatial());
        long[] wDims = dims(c.cout(), c.cin() / c.spec().groups(), c.kernel());
        float[] w = random(rnd, wDims);
        long[] gDims = new long[xDims.length];
        gDims[0] = c.n();
        gDims[1] = c.cout();
        for (int i = 0; i < c.spatial().length; i++) {
            gDims[2 + i] = c.spec().outputLength(i, c.spatial()[i], c.kernel()[i]);
        }
        float[] g = random(rnd, gDims);
        double[] ref = transposeReference(g, gDims, w, wDims, c.spec(), xDims);
        try (NDManager m = pt.newManager()) {
            NDArray wa = m.create(w, new Shape(wDims));
            NDArray ga = m.create(g, new Shape(gDims));
            for (int call = 0; call < 2; call++) { // the second call takes the cached kernel
                NDArray got = pt.convTranspose(ga, wa, c.spec(), new Shape(xDims));
                assertArrayEquals(xDims, got.getShape().getShape(), c + ": shape");
                assertClose(c + " (call " + call + ")", ref, got.toFloatArray(), 2e-6);
            }
            NDArray zeroInsert = TransposedConvolution.apply(pt, ga, wa, c.spec(), new Shape(xDims));
            assertClose(c + " zero-insert form", ref, zeroInsert.toFloatArray(), 2e-6);
            if (ColumnTransposedConvolution.applies(wa.getShape(), c.spec())) { // the native adds answered above
                NDArray views = ColumnTransposedConvolution.applyOnViews(ga,
                        ColumnTransposedConvolution.columnKernel(wa), wa.getShape(), c.spec(), new Shape(xDims));
                assertClose(c + " column form, adds on views", ref, views.toFloatArray(), 2e-6);
            }
        }
    }

    @Test
    void phaseDecompositionCoversStridedGeometriesAndLeavesDilationToZeroInsertion() {
        Shape w = new Shape(4, 3, 3, 3);
        ConvSpec strided = new ConvSpec(new int[] {2, 2}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1);
        assertNotNull(PhaseTransposedConvolution.Plan.of(w, strided, new Shape(1, 4, 4, 4), new Shape(1, 3, 8, 8)));
        ConvSpec dilated = new ConvSpec(new int[] {2, 2}, new int[] {2, 2}, new int[] {2, 2}, new int[] {2, 2}, 1);
        assertEquals(null, PhaseTransposedConvolution.Plan.of(w, dilated, new Shape(1, 4, 4, 4),
                new Shape(1, 3, 8, 8)));
        ConvSpec plain = ConvSpec.simple(2, 1, 1);
        assertEquals(null, PhaseTransposedConvolution.Plan.of(w, plain, new Shape(1, 4, 8, 8),
                new Shape(1, 3, 8, 8)));
    }

    static Stream<PoolCase> poolCases() {
        return Stream.concat(TensorFlowBackendTest.poolCases(), Stream.of(
                new PoolCase("2d 3x3 stride 3 (tiled)", new long[] {2, 3, 9, 6}, PoolSpec.square(2, 3)),
                new PoolCase("2d 2x3 stride 2x3 (tiled)", new long[] {2, 2, 6, 9},
                        new PoolSpec(new int[] {2, 3}, new int[] {2, 3}, new int[2], new int[2])),
                new PoolCase("2d 1x2 stride 1x2 (tiled)", new long[] {2, 2, 5, 8},
                        new PoolSpec(new int[] {1, 2}, new int[] {1, 2}, new int[2], new int[2])),
                new PoolCase("1d 3 stride 3 (tiled)", new long[] {2, 3, 12}, PoolSpec.square(1, 3)),
                new PoolCase("3d 2x2x2 (tiled)", new long[] {2, 2, 4, 6, 4}, PoolSpec.square(3, 2)),
                new PoolCase("2d 2x2 odd input", new long[] {2, 3, 7, 8}, PoolSpec.square(2, 2)),
                new PoolCase("2d 3x3 stride 2 pad 1 (ResNet)", new long[] {2, 2, 9, 8},
                        new PoolSpec(new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1}, new int[] {1, 1})),
                new PoolCase("2d 3x3 stride 2 pads 0/1 (ceil mode)", new long[] {1, 3, 8, 9},
                        new PoolSpec(new int[] {3, 3}, new int[] {2, 2}, new int[2], new int[] {1, 1})),
                new PoolCase("2d 2x2 stride 2 pad 1", new long[] {2, 2, 6, 7},
                        new PoolSpec(new int[] {2, 2}, new int[] {2, 2}, new int[] {1, 1}, new int[] {1, 1})),
                new PoolCase("1d 4 stride 3 pad 2/1", new long[] {2, 2, 13},
                        new PoolSpec(new int[] {4}, new int[] {3}, new int[] {2}, new int[] {1})),
                new PoolCase("3d 3x3x3 stride 2 pad 1", new long[] {1, 2, 5, 6, 7},
                        new PoolSpec(new int[] {3, 3, 3}, new int[] {2, 2, 2}, new int[] {1, 1, 1},
                                new int[] {1, 1, 1}))));
    }

    /**
     * Forward and backward against exec.Pooling's shared formulation on the same engine, on inputs from {-1, 0, 1}
     * (ties in almost every window): exactly the same values, the signal routed to the same first maximum.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("poolCases")
    void maxPoolMatchesSharedFormulationOnTies(PoolCase c) {
        Random rnd = new Random(c.name().hashCode());
        float[] x = random(rnd, c.input());
        for (int i = 0; i < x.length; i++) {
            x[i] = Math.round(x[i]);
        }
        Backend shared = new SharedPooling(pt);
        try (NDManager m = pt.newManager()) {
            NDArray xt = m.create(x, new Shape(c.input()));
            NDArray ref = Pooling.maxPool(shared, xt, c.spec());
            NDArray got = Pooling.maxPool(pt, xt, c.spec());
            assertArrayEquals(ref.getShape().getShape(), got.getShape().getShape(), "forward shape");
            assertArrayEquals(ref.toFloatArray(), got.toFloatArray(), 0f, "forward values");
            NDArray upstream = m.create(random(rnd, ref.getShape().getShape()), ref.getShape());
            NDArray refBack = Pooling.maxPoolBackward(shared, xt, c.spec(), upstream);
            NDArray[] backs = {
                Pooling.maxPoolBackward(pt, xt, got, c.spec(), upstream),
                Pooling.maxPoolBackward(pt, xt, null, c.spec(), upstream),
                // the strided-view backward, which the backend keeps for geometries libtorch has no kernel for
                StridedMaxPool.backward(pt, xt, c.spec(), upstream)};
            assertTrue(StridedMaxPool.applies(c.spec(), xt.getShape()), c + ": strided views cover every case here");
            for (NDArray gotBack : backs) {
                assertArrayEquals(refBack.getShape().getShape(), gotBack.getShape().getShape(), "backward shape");
                // delta 0: exact (the shared formulation's −0 equals +0), but where windows overlap the two sum
                // a position's signals in different orders
                assertArrayEquals(refBack.toFloatArray(), gotBack.toFloatArray(), overlapping(c.spec()) ? 1e-6f : 0f,
                        "backward values");
            }
        }
    }

    private static boolean overlapping(PoolSpec spec) {
        for (int i = 0; i < spec.spatialRank(); i++) {
            if (spec.kernel()[i] > spec.strides()[i]) {
                return true;
            }
        }
        return false;
    }

    /**
     * The tiled gradient against libtorch's own (autograd through {@code max_pool2d_with_indices}), on inputs with
     * ties in most windows, a window of equal negative values and positions past the last whole window: the same
     * values at every position, the signal at the same first maximum.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("tiledPoolCases")
    void tiledGradientMatchesLibtorchAutograd(PoolCase c) {
        Random rnd = new Random(c.name().hashCode());
        float[] x = random(rnd, c.input());
        for (int i = 0; i < x.length; i++) {
            x[i] = Math.round(2 * x[i]) - 1; // {-3..1}: ties, and windows with no positive value
        }
        Arrays.fill(x, 0, 4, -2f);
        try (NDManager m = pt.newManager()) {
            NDArray xt = m.create(x, new Shape(c.input()));
            NDArray maxima = pt.maxPool(xt, c.spec());
            NDArray upstream = m.create(random(rnd, maxima.getShape().getShape()), maxima.getShape());
            assertTrue(TiledMaxPoolGradient.applies(c.spec(), xt.getShape()), c.name());
            float[] libtorch = pt.maxPoolBackward(xt, c.spec(), upstream).toFloatArray();
            float[] views = TiledMaxPoolGradient.viaViews(xt, maxima, c.spec(), upstream).toFloatArray();
            assertArrayEquals(libtorch, views, 0f, c.name() + ", strided views");
            assertArrayEquals(libtorch, pt.maxPoolBackward(xt, maxima, c.spec(), upstream).toFloatArray(), 0f,
                    c.name() + ", the backend's choice");
            if (c.spec().spatialRank() == 2) {
                float[] kernel = TiledMaxPoolGradient.nativeKernel(xt, c.spec(), upstream).toFloatArray();
                assertArrayEquals(libtorch, kernel, 0f, c.name() + ", native kernel");
            }
            long routed = 0;
            for (float v : views) {
                routed += v != 0 ? 1 : 0;
            }
            assertEquals(maxima.size(), routed, c.name() + ": one position per window takes the signal");
        }
    }

    /**
     * The native kernel on what the strided views leave aside: NaN (libtorch lets the last NaN of a window win),
     * infinities, signed zeros, a strided view as input and windows wider than 2×2; the same values as libtorch's
     * autograd everywhere.
     */
    @Test
    void nativeKernelRoutesNanInfinitiesAndViewsAsLibtorchDoes() {
        float nan = Float.NaN;
        float inf = Float.POSITIVE_INFINITY;
        float[] x = {
            nan, 1, -0f, 0f, 5, 5, -inf, -inf,
            2, nan, 0f, -0f, 5, 4, -inf, -inf,
            inf, inf, 1, 2, 3, nan, 7, 7,
            3, 3, 4, 3, nan, 1, 7, 8,
            1, 2, 3, 4, 5, 6, 7, 8};
        try (NDManager m = pt.newManager()) {
            NDArray xt = m.create(x, new Shape(1, 1, 5, 8));
            NDArray wide = m.randomNormal(new Shape(2, 3, 9, 12)).round();
            NDArray view = m.randomNormal(new Shape(2, 3, 8, 12)).round().transpose(0, 1, 3, 2); // not contiguous
            for (Object[] c : new Object[][] {
                {xt, PoolSpec.square(2, 2)}, {wide, PoolSpec.square(2, 3)},
                {wide, new PoolSpec(new int[] {3, 2}, new int[] {3, 2}, new int[2], new int[2])},
                {view, PoolSpec.square(2, 2)}}) {
                NDArray in = (NDArray) c[0];
                PoolSpec spec = (PoolSpec) c[1];
                NDArray upstream = m.randomNormal(pt.maxPool(in, spec).getShape());
                float[] libtorch = pt.maxPoolBackward(in, spec, upstream).toFloatArray();
                float[] kernel = TiledMaxPoolGradient.nativeKernel(in, spec, upstream).toFloatArray();
                assertArrayEquals(libtorch, kernel, 0f, in.getShape() + " " + spec);
            }
        }
    }

    static Stream<PoolCase> tiledPoolCases() {
        return Stream.of(
                new PoolCase("2d 2x2 (VGG)", new long[] {2, 3, 8, 10}, PoolSpec.square(2, 2)),
                new PoolCase("2d 2x2 odd input", new long[] {2, 3, 7, 9}, PoolSpec.square(2, 2)),
                new PoolCase("2d 3x3 stride 3", new long[] {1, 2, 9, 6}, PoolSpec.square(2, 3)),
                new PoolCase("2d 2x3 stride 2x3", new long[] {2, 2, 6, 9},
                        new PoolSpec(new int[] {2, 3}, new int[] {2, 3}, new int[2], new int[2])),
                new PoolCase("1d 3 stride 3", new long[] {2, 3, 12}, PoolSpec.square(1, 3)),
                new PoolCase("3d 2x2x2", new long[] {2, 2, 4, 6, 4}, PoolSpec.square(3, 2)));
    }

    /** Overlapping or padded windows are not tiles: libtorch's gradient (or the strided views') answers. */
    @Test
    void onlyTiledWindowsTakeTheTiledGradient() {
        assertTrue(TiledMaxPoolGradient.applies(PoolSpec.square(2, 2), new Shape(1, 1, 5, 6)));
        assertTrue(!TiledMaxPoolGradient.applies(new PoolSpec(new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1},
                new int[] {1, 1}), new Shape(1, 1, 9, 9)), "overlapping, padded");
        assertTrue(!TiledMaxPoolGradient.applies(new PoolSpec(new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0},
                new int[] {1, 1}), new Shape(1, 1, 5, 5)), "ceil mode");
        assertTrue(!TiledMaxPoolGradient.applies(PoolSpec.square(2, 2), new Shape(1, 1, 1, 6)), "no whole window");
    }

    /** The strided views cover every window that holds an input value; others go to the shared formulation. */
    @Test
    void stridedPoolingCoversWindowsThatHoldAnInputValue() {
        assertTrue(StridedMaxPool.applies(PoolSpec.square(2, 2), new Shape(1, 1, 5, 6)), "odd length");
        assertTrue(StridedMaxPool.applies(new PoolSpec(new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1},
                new int[] {1, 1}), new Shape(1, 1, 9, 9)), "overlapping, padded");
        PoolSpec wide = new PoolSpec(new int[] {2, 2}, new int[] {1, 1}, new int[] {2, 2}, new int[] {0, 0});
        assertTrue(!StridedMaxPool.applies(wide, new Shape(1, 1, 4, 4)), "padding as long as the window");
        try (NDManager m = pt.newManager()) {
            assertTrue(pt.maxPool(m.ones(new Shape(1, 1, 4, 4)), wide) == null);
            NDArray x = m.create(new float[] {1, 2, 3, 4}, new Shape(1, 1, 2, 2));
            float[] pooled = Pooling.maxPool(pt, x, wide).toFloatArray(); // the shared formulation still answers
            assertEquals(9, pooled.length);
            assertEquals(1f, pooled[4]); // padded rows and columns 1..2: input (0, 0)
            assertEquals(4f, pooled[8]); // padded rows and columns 2..3: the whole input
        }
    }

    /** One window per tie pattern, written out: the first maximum in row-major order takes the signal. */
    @Test
    void tiedWindowGivesItsSignalToTheFirstMaximumInRowMajorOrder() {
        // windows (2x2): [[1,2],[2,0]] → (0,1); [[3,1],[3,3]] → (0,0); [[0,0],[0,0]] → (0,0); [[-1,-2],[5,5]] → (1,0)
        float[] x = {
            1, 2, 3, 1, 0, 0, -1, -2,
            2, 0, 3, 3, 0, 0, 5, 5};
        float[] expected = {
            0, 10, 20, 0, 30, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 40, 0};
        try (NDManager m = pt.newManager()) {
            NDArray xt = m.create(x, new Shape(1, 1, 2, 8));
            NDArray up = m.create(new float[] {10, 20, 30, 40}, new Shape(1, 1, 1, 4));
            assertArrayEquals(new float[] {2, 3, 0, 5}, pt.maxPool(xt, PoolSpec.square(2, 2)).toFloatArray());
            assertArrayEquals(expected, pt.maxPoolBackward(xt, PoolSpec.square(2, 2), up).toFloatArray());
        }
    }

    /**
     * The transposed convolution as the definition says, in float64: every tap of the forward convolution sends
     * g[n, o, out] · w[o, c, tap] back to the input position it read.
     */
    static double[] transposeReference(float[] g, long[] gDims, float[] w, long[] wDims, ConvSpec spec,
            long[] xDims) {
        int k = spec.spatialRank();
        int[] in = new int[3];
        int[] out = new int[3];
        int[] ker = new int[3];
        int[] s = new int[3];
        int[] p = new int[3];
        int[] d = new int[3];
        for (int i = 0; i < 3; i++) {
            boolean real = i >= 3 - k;
            int a = i - (3 - k);
            in[i] = real ? (int) xDims[2 + a] : 1;
            out[i] = real ? (int) gDims[2 + a] : 1;
            ker[i] = real ? (int) wDims[2 + a] : 1;
            s[i] = real ? spec.strides()[a] : 1;
            p[i] = real ? spec.padBegin()[a] : 0;
            d[i] = real ? spec.dilations()[a] : 1;
        }
        int n = (int) xDims[0];
        int cin = (int) xDims[1];
        int cout = (int) gDims[1];
        int groups = spec.groups();
        int cinPerGroup = cin / groups;
        int coutPerGroup = cout / groups;
        double[] x = new double[n * cin * in[0] * in[1] * in[2]];
        for (int b = 0; b < n; b++) {
            for (int o = 0; o < cout; o++) {
                int group = o / coutPerGroup;
                for (int o0 = 0; o0 < out[0]; o0++) {
                    for (int o1 = 0; o1 < out[1]; o1++) {
                        for (int o2 = 0; o2 < out[2]; o2++) {
                            double gv = g[(((b * cout + o) * out[0] + o0) * out[1] + o1) * out[2] + o2];
                            for (int ci = 0; ci < cinPerGroup; ci++) {
                                int c = group * cinPerGroup + ci;
                                for (int k0 = 0; k0 < ker[0]; k0++) {
                                    int i0 = o0 * s[0] - p[0] + k0 * d[0];
                                    for (int k1 = 0; k1 < ker[1]; k1++) {
                                        int i1 = o1 * s[1] - p[1] + k1 * d[1];
                                        for (int k2 = 0; k2 < ker[2]; k2++) {
                                            int i2 = o2 * s[2] - p[2] + k2 * d[2];
                                            if (i0 < 0 || i0 >= in[0] || i1 < 0 || i1 >= in[1] || i2 < 0
                                                    || i2 >= in[2]) {
                                                continue;
                                            }
                                            double wv = w[(((o * cinPerGroup + ci) * ker[0] + k0) * ker[1] + k1)
                                                    * ker[2] + k2];
                                            x[(((b * cin + c) * in[0] + i0) * in[1] + i1) * in[2] + i2] += gv * wv;
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return x;
    }

    /** max |ref − got| / max |ref| ≤ tol. */
    private static void assertClose(String what, double[] ref, float[] got, double tol) {
        assertEquals(ref.length, got.length, what + ": size");
        double maxRef = 0;
        double maxDiff = 0;
        for (int i = 0; i < ref.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(ref[i]));
            maxDiff = Math.max(maxDiff, Math.abs(ref[i] - got[i]));
        }
        assertTrue(maxDiff <= tol * Math.max(maxRef, 1e-30), what + ": max abs diff / max |ref| = " + maxDiff / maxRef);
    }
}
