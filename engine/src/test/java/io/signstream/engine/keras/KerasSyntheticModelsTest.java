package io.signstream.engine.keras;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.engine.backend.Backend;
import io.signstream.engine.backend.Backends;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.TensorLayout;
import io.signstream.engine.npy.NpyArray;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every supported layer, in small seeded models written as Keras 2 .h5 (full and weights-only + JSON config),
 * Keras 3 .keras and TensorFlow.js files, against the independent channels-last {@link KerasReference}: forward
 * logits on both engines, and the gradient against central finite differences of the reference. The models put
 * TensorFlow's asymmetric 'same' padding (even kernels, stride 2, pooling) in every position, plus groups,
 * dilation, causal padding, kernels without bias, BatchNormalization, Add, Concatenate on channel, spatial and
 * feature axes, ZeroPadding, Reshape, Dropout and global pooling.
 */
class KerasSyntheticModelsTest {

    static {
        KerasTesting.quietJhdf();
    }

    private static Backend pytorch;
    private static Backend tensorflow;

    @TempDir
    static Path dir;

    @BeforeAll
    static void open() {
        pytorch = Backends.open(EngineKind.PYTORCH);
        tensorflow = Backends.open(EngineKind.TENSORFLOW);
    }

    @AfterAll
    static void close() {
        pytorch.close();
        tensorflow.close();
    }

    /** Sequential NHWC CNN: asymmetric padding everywhere, groups, dilation, BN, average pooling, softmax output. */
    static TinyKeras cnn2d() {
        return TinyKeras.sequential("cnn2d", 13, 11, 3)
                .layer("ZeroPadding2D", "pad", "{'padding': [[1, 0], [2, 1]]}")
                .layer("Conv2D", "conv_a", "{'filters': 4, 'kernel_size': [2, 3], 'strides': [2, 2], "
                        + "'padding': 'same', 'dilation_rate': [1, 1], 'activation': 'relu', 'use_bias': true}")
                .layer("BatchNormalization", "bn", "{'axis': -1, 'epsilon': 0.001, 'center': true, 'scale': true}")
                .layer("MaxPooling2D", "pool_a", "{'pool_size': [2, 2], 'strides': [2, 2], 'padding': 'same'}")
                .layer("Conv2D", "conv_b", "{'filters': 4, 'kernel_size': [2, 2], 'strides': [1, 1], "
                        + "'padding': 'same', 'groups': 2, 'activation': 'tanh'}")
                .layer("Conv2D", "conv_c", "{'filters': 3, 'kernel_size': [2, 2], 'padding': 'valid', "
                        + "'dilation_rate': [2, 1], 'activation': 'linear', 'use_bias': false}")
                .layer("AveragePooling2D", "avg", "{'pool_size': [2, 2], 'strides': [1, 1], 'padding': 'same'}")
                .layer("Flatten", "flat", "{'data_format': 'channels_last'}")
                .layer("Dropout", "drop", "{'rate': 0.5}")
                .layer("Dense", "hidden", "{'units': 6, 'activation': 'sigmoid'}")
                .layer("Dense", "out", "{'units': 3, 'activation': 'softmax'}");
    }

    /** Functional: two conv branches added, concatenated with the input, global pools, a spatial concat. */
    static TinyKeras branches() {
        return TinyKeras.functional("branches", 6, 6, 2)
                .layer("Conv2D", "a", "{'filters': 3, 'kernel_size': 3, 'padding': 'same', 'activation': 'relu'}",
                        "input")
                .layer("Conv2D", "b", "{'filters': 3, 'kernel_size': 1, 'padding': 'valid'}", "input")
                .layer("Add", "sum", "{}", "a", "b")
                .layer("Concatenate", "cat", "{'axis': -1}", "sum", "input")
                .layer("MaxPooling2D", "p", "{'pool_size': [2, 2], 'strides': [2, 2], 'padding': 'valid'}", "cat")
                .layer("GlobalAveragePooling2D", "gap", "{}", "p")
                .layer("GlobalMaxPooling2D", "gmp", "{}", "cat")
                .layer("Concatenate", "feat", "{'axis': 1}", "gap", "gmp")
                .layer("Dense", "head", "{'units': 4, 'use_bias': false}", "feat")
                .layer("Concatenate", "stack", "{'axis': 1}", "a", "sum")
                .layer("Flatten", "flat", "{}", "stack")
                .layer("Dense", "side", "{'units': 4, 'activation': 'tanh'}", "flat")
                .layer("Add", "final", "{}", "head", "side");
    }

    /** A flat input reshaped to (T, C): Conv1D with stride and causal dilation, 1-D pools and padding. */
    static TinyKeras series() {
        return TinyKeras.sequential("series", 60)
                .layer("Reshape", "r", "{'target_shape': [20, 3]}")
                .layer("Conv1D", "c1", "{'filters': 4, 'kernel_size': [5], 'strides': [2], 'padding': 'same', "
                        + "'activation': 'relu'}")
                .layer("Conv1D", "c2", "{'filters': 4, 'kernel_size': 3, 'padding': 'causal', 'dilation_rate': 2}")
                .layer("BatchNormalization", "bn1", "{}")
                .layer("MaxPooling1D", "mp", "{'pool_size': [2], 'strides': [2], 'padding': 'valid'}")
                .layer("ZeroPadding1D", "zp", "{'padding': [1, 2]}")
                .layer("AveragePooling1D", "ap", "{'pool_size': 3, 'strides': 2, 'padding': 'same'}")
                .layer("GlobalAveragePooling1D", "gap1", "{}")
                .layer("Dense", "out", "{'units': 3}");
    }

    enum Format { H5, WEIGHTS_ONLY, KERAS3, TFJS }

    static Graph write(TinyKeras m, Format f) throws Exception {
        Path base = dir.resolve(m.name() + "_" + f.name().toLowerCase(Locale.ROOT));
        switch (f) {
            case H5:
                m.writeLegacyH5(base.resolveSibling(base.getFileName() + ".h5"));
                return KerasH5Importer.read(base.resolveSibling(base.getFileName() + ".h5"));
            case WEIGHTS_ONLY:
                m.writeWeightsOnlyH5(base.resolveSibling(base.getFileName() + ".h5"),
                        base.resolveSibling(base.getFileName() + ".config"));
                return KerasH5Importer.read(base.resolveSibling(base.getFileName() + ".h5"),
                        base.resolveSibling(base.getFileName() + ".config"));
            case KERAS3:
                m.writeKerasArchive(base.resolveSibling(base.getFileName() + ".keras"));
                return KerasArchiveImporter.read(base.resolveSibling(base.getFileName() + ".keras"));
            default:
                m.writeTfjs(base);
                return TfjsImporter.read(base.resolve("model.json"));
        }
    }

    @TestFactory
    Stream<DynamicTest> forwardMatchesTheReferenceInEveryFormatOnBothEngines() {
        List<DynamicTest> tests = new ArrayList<>();
        for (TinyKeras m : List.of(cnn2d(), branches(), series())) {
            for (Format f : Format.values()) {
                tests.add(DynamicTest.dynamicTest(m.name() + " " + f, () -> {
                    Graph g = write(m, f);
                    NpyArray x = randomInput(m, 3, 11);
                    float[] expected = m.referenceLogits(x.data(), 3);
                    for (EngineKind engine : EngineKind.values()) {
                        float[] logits = KerasTesting.logits(engine == EngineKind.PYTORCH ? pytorch : tensorflow, g,
                                x);
                        double rel = KerasTesting.relError(logits, expected);
                        System.out.printf(Locale.ROOT, "Keras synthetic %-8s %-12s %-10s forward rel.err %.2e%n",
                                m.name(), f, engine, rel);
                        assertTrue(rel <= 1e-5, m.name() + " " + f + " " + engine + ": " + rel);
                    }
                }));
            }
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> gradientMatchesFiniteDifferencesOfTheReference() {
        List<DynamicTest> tests = new ArrayList<>();
        for (TinyKeras m : List.of(cnn2d(), branches(), series())) {
            tests.add(DynamicTest.dynamicTest(m.name(), () -> {
                Graph g = write(m, Format.KERAS3);
                NpyArray x = randomInput(m, 1, 5);
                double[] fd = finiteDifferences(m, x.data(), 1);
                float[] expected = new float[fd.length];
                for (int i = 0; i < fd.length; i++) {
                    expected[i] = (float) fd[i];
                }
                for (EngineKind engine : EngineKind.values()) {
                    float[] grad = KerasTesting.map(engine == EngineKind.PYTORCH ? pytorch : tensorflow, g, x, 1,
                            "gradient", Map.of());
                    double rel = KerasTesting.relError(grad, expected);
                    System.out.printf(Locale.ROOT, "Keras synthetic %-8s %-10s gradient vs finite differences "
                            + "rel.err %.2e%n", m.name(), engine, rel);
                    assertTrue(rel <= 1e-4, m.name() + " " + engine + ": " + rel);
                }
            }));
        }
        return tests.stream();
    }

    @Test
    void graphsKeepTheKerasInterfaceAndConvertInside() throws Exception {
        Graph cnn = write(cnn2d(), Format.H5);
        assertEquals(TensorLayout.NHWC, cnn.layout());
        assertArrayEquals(new long[] {13, 11, 3}, cnn.sampleShape());
        Layer.Conv a = assertInstanceOf(Layer.Conv.class, cnn.node("conv_a").layer());
        assertArrayEquals(new int[] {0, 0}, a.spec().padBegin(), "same, (2,3) kernel, stride 2 on 14x14");
        assertArrayEquals(new int[] {0, 1}, a.spec().padEnd(), "TensorFlow puts the odd pixel at the end");
        assertEquals(2, assertInstanceOf(Layer.Conv.class, cnn.node("conv_b").layer()).spec().groups());
        Layer.MaxPool pool = assertInstanceOf(Layer.MaxPool.class, cnn.node("pool_a").layer());
        assertArrayEquals(new int[] {0, 0}, pool.spec().padBegin());
        assertArrayEquals(new int[] {1, 1}, pool.spec().padEnd());
        assertInstanceOf(Layer.Identity.class, cnn.node("drop").layer());
        assertEquals("out", cnn.output().name(), "the softmax of the output layer is removed");

        Graph series = write(series(), Format.TFJS);
        assertEquals(TensorLayout.NC, series.layout());
        Layer.Conv c2 = assertInstanceOf(Layer.Conv.class, series.node("c2").layer());
        assertArrayEquals(new int[] {4}, c2.spec().padBegin(), "causal: (k-1)*d before");
        assertArrayEquals(new int[] {0}, c2.spec().padEnd());
        assertArrayEquals(new long[] {4, 4, 3}, c2.weight().shape(), "(K, in, out) stored as (out, in, K)");

        Graph branches = write(branches(), Format.KERAS3);
        assertEquals(1, assertInstanceOf(Layer.Concat.class, branches.node("cat").layer()).axis(),
                "channel concat on the channels-first copies");
        assertEquals(2, assertInstanceOf(Layer.Concat.class, branches.node("stack").layer()).axis(), "H axis");
        assertEquals(1, assertInstanceOf(Layer.Concat.class, branches.node("feat").layer()).axis());
        assertEquals(1, branches.nodes().stream().filter(n -> n.name().equals("input/channels_first")).count(),
                "one conversion of the input, shared by every reader");
    }

    private static NpyArray randomInput(TinyKeras m, int n, long seed) {
        long size = KerasReference.prod(m.inputShape());
        float[] x = new float[(int) (n * size)];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        long[] shape = new long[m.inputShape().length + 1];
        shape[0] = n;
        System.arraycopy(m.inputShape(), 0, shape, 1, m.inputShape().length);
        return new NpyArray(x, shape);
    }

    /** ∂ logit[target] / ∂x by central differences of the double-precision reference. */
    private static double[] finiteDifferences(TinyKeras m, float[] x, int target) {
        double h = 1e-5;
        double[] base = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            base[i] = x[i];
        }
        double[] grad = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double keep = base[i];
            base[i] = keep + h;
            double up = m.referenceLogits(base)[target];
            base[i] = keep - h;
            double down = m.referenceLogits(base)[target];
            base[i] = keep;
            grad[i] = (up - down) / (2 * h);
        }
        return grad;
    }
}
