package io.signstream.engine.keras;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jhdf.HdfFile;
import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.Explainer;
import io.signstream.engine.backend.DeviceChoice;
import io.signstream.engine.backend.Backend;
import io.signstream.engine.backend.Backends;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Node;
import io.signstream.engine.graph.TensorLayout;
import io.signstream.engine.npy.NpyArray;
import io.signstream.engine.testing.Fixtures;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Keras models trained (or saved) by others, see fixtures/real/&lt;folder&gt;/SOURCE.txt: the tensorspace LeNet
 * (Keras 2.1.6 full-model .h5, input [N,28,28] reshaped inside), the KotlinDL LeNet (weights-only .h5 +
 * modelConfig.json, NHWC, 'same' padding) and the deeplearning4j example MLPs (Keras 2.0.9, Sequential and
 * functional). Imported graphs must predict the documented classes with the canonical float64 logits on both
 * engines.
 */
class KerasRealModelsTest {

    static {
        KerasTesting.quietJhdf();
    }

    static final String TENSORSPACE = "real/tensorspace_lenet_keras_h5/";
    static final String KOTLINDL = "real/kotlindl_lenet_h5_weights/";
    static final String DL4J = "real/dl4j_keras_simple_mlp_h5/";

    private static Backend pytorch;
    private static Backend tensorflow;

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

    static Graph tensorspace() throws ExplainException {
        return KerasH5Importer.read(Fixtures.file(TENSORSPACE + "keras_mnist_lenet.h5"));
    }

    static Graph kotlindl() throws ExplainException {
        return KerasH5Importer.read(Fixtures.file(KOTLINDL + "mnist_weights_only.h5"),
                Fixtures.file(KOTLINDL + "modelConfig.json"));
    }

    private static Backend backend(EngineKind kind) {
        return kind == EngineKind.PYTORCH ? pytorch : tensorflow;
    }

    @Test
    void tensorspaceLenetKeepsTheKerasInputAndConvertsLayoutInside() throws ExplainException {
        Graph g = tensorspace();
        System.out.print(g);
        assertEquals("input_1", g.inputName());
        assertArrayEquals(new long[] {28, 28}, g.sampleShape());
        assertEquals(TensorLayout.NTC, g.layout());
        assertEquals(List.of("reshape_1", "reshape_1/channels_first", "Conv2D_1", "MaxPooling2D_1", "Conv2D_2",
                "MaxPooling2D_2", "MaxPooling2D_2/channels_last", "flatten_1", "Dense_1", "Dense_1/relu", "Dense_2",
                "Dense_2/relu", "Softmax"), g.nodes().stream().map(Node::name).toList());
        Layer.Conv conv = assertInstanceOf(Layer.Conv.class, g.node("Conv2D_1").layer());
        assertArrayEquals(new long[] {6, 1, 5, 5}, conv.weight().shape(), "HWIO kernel stored as OIHW");
        assertArrayEquals(new int[] {0, 2, 3, 1},
                assertInstanceOf(Layer.Transpose.class, g.node("MaxPooling2D_2/channels_last").layer()).permutation());
        Layer.Dense out = assertInstanceOf(Layer.Dense.class, g.output().layer());
        assertEquals(84, out.inFeatures());
        assertEquals(10, out.outFeatures());
        assertEquals("Softmax", g.output().name(), "the final softmax activation is removed, the Dense kept");
    }

    @Test
    void kotlindlLenetUsesSamePaddingAndNamesFusedActivations() throws ExplainException {
        Graph g = kotlindl();
        assertArrayEquals(new long[] {28, 28, 1}, g.sampleShape());
        assertEquals(TensorLayout.NHWC, g.layout());
        Layer.Conv conv = assertInstanceOf(Layer.Conv.class, g.node("conv2d").layer());
        assertArrayEquals(new int[] {1, 1}, conv.spec().padBegin(), "3x3 same, stride 1");
        assertArrayEquals(new int[] {1, 1}, conv.spec().padEnd());
        assertEquals("conv2d_1/relu", g.defaultGradCamLayer().orElseThrow().name(),
                "the Keras output of conv2d_1 (canonical.json's Grad-CAM layer)");
        assertEquals(Layer.Dense.class, g.output().layer().getClass());
        assertEquals("dense_2", g.output().name());
    }

    /** The weights-only file finds modelConfig.json next to it. */
    @Test
    void weightsOnlyFileFindsItsConfigNextToIt() throws ExplainException {
        Graph g = KerasH5Importer.read(Fixtures.file(KOTLINDL + "mnist_weights_only.h5"));
        assertEquals(kotlindl().toString(), g.toString());
    }

    /** The JSON config passed as the model finds the weights .h5 beside it and explains like the .h5 does. */
    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void configPassedAsTheModelFindsItsWeights(EngineKind engine) throws Exception {
        Graph g = TfjsImporter.read(Fixtures.file(KOTLINDL + "modelConfig.json"));
        assertEquals(kotlindl().toString(), g.toString());
        NpyArray x = Fixtures.npy(Fixtures.file(KOTLINDL + "canonical/digit5.input.npy"));
        NpyArray expected = Fixtures.npy(Fixtures.file(KOTLINDL + "canonical/digit5.logits.npy"));
        try (Explainer explainer = Explainer.open(Fixtures.file(KOTLINDL + "modelConfig.json"), engine,
                DeviceChoice.CPU)) {
            assertTrue(KerasTesting.maxAbsDiff(explainer.logits(x).data(), expected.data()) <= 1e-4);
        }
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource({
        "tensorspace, digit5, 5, PYTORCH", "tensorspace, digit5, 5, TENSORFLOW",
        "tensorspace, digit5_shift2, 5, PYTORCH", "tensorspace, digit5_shift2, 5, TENSORFLOW",
        "kotlindl, digit5, 8, PYTORCH", "kotlindl, digit5, 8, TENSORFLOW",
        "kotlindl, digit5_shift2, 5, PYTORCH", "kotlindl, digit5_shift2, 5, TENSORFLOW"})
    void predictsTheDocumentedClassWithTheCanonicalLogits(String model, String input, int expectedClass,
            EngineKind engine) throws ExplainException {
        String dir = model.equals("tensorspace") ? TENSORSPACE : KOTLINDL;
        Graph g = model.equals("tensorspace") ? tensorspace() : kotlindl();
        NpyArray x = Fixtures.npy(Fixtures.file(dir + "canonical/" + input + ".input.npy"));
        NpyArray expected = Fixtures.npy(Fixtures.file(dir + "canonical/" + input + ".logits.npy"));

        float[] logits = KerasTesting.logits(backend(engine), g, x);

        double diff = KerasTesting.maxAbsDiff(logits, expected.data());
        System.out.printf(Locale.ROOT, "Keras forward %s %s on %s: class %d, max |logit diff| = %.3g%n", model,
                input, engine, KerasTesting.argMax(logits), diff);
        assertEquals(expectedClass, KerasTesting.argMax(logits));
        assertTrue(diff <= 1e-4, "max abs logit difference " + diff);
    }

    /**
     * The dl4j MLPs are untrained and ship no input: their logits must equal an independent forward pass computed
     * here from the raw (in, out) kernels, and the Sequential and functional files must import alike.
     */
    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void dl4jMlpsMatchAnIndependentForwardPass(EngineKind engine) throws Exception {
        for (String file : List.of("simple_mlp.h5", "simple_functional_mlp.h5")) {
            Graph g = KerasH5Importer.read(Fixtures.file(DL4J + file));
            assertArrayEquals(new long[] {100}, g.sampleShape());
            assertEquals(TensorLayout.NC, g.layout());
            assertEquals(List.of("dense_3", "dense_3/relu", "dense_4"), g.nodes().stream().map(Node::name).toList());
            assertNull(g.findNode("dense_4/softmax").orElse(null));
            float[] x = new float[3 * 100];
            SplittableRandom r = new SplittableRandom(3);
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
            float[] logits = KerasTesting.logits(backend(engine), g, new NpyArray(x, new long[] {3, 100}));
            float[] expected = rawForward(file, x, 3);
            double rel = KerasTesting.relError(logits, expected);
            System.out.printf(Locale.ROOT, "Keras forward dl4j %s on %s: rel. error %.3g%n", file, engine, rel);
            assertTrue(rel <= 1e-5, file + ": " + rel);
        }
    }

    /** relu(x·K1 + b1)·K2 + b2 in double, from the datasets as stored (Keras (in, out) kernels). */
    private static float[] rawForward(String file, float[] x, int n) {
        try (HdfFile h5 = new HdfFile(Fixtures.file(DL4J + file))) {
            float[][] k1 = (float[][]) h5.getDatasetByPath("model_weights/dense_3/dense_3/kernel:0").getData();
            float[] b1 = (float[]) h5.getDatasetByPath("model_weights/dense_3/dense_3/bias:0").getData();
            float[][] k2 = (float[][]) h5.getDatasetByPath("model_weights/dense_4/dense_4/kernel:0").getData();
            float[] b2 = (float[]) h5.getDatasetByPath("model_weights/dense_4/dense_4/bias:0").getData();
            float[] out = new float[n * b2.length];
            for (int s = 0; s < n; s++) {
                double[] h = new double[b1.length];
                for (int j = 0; j < h.length; j++) {
                    double z = b1[j];
                    for (int i = 0; i < k1.length; i++) {
                        z += x[s * k1.length + i] * (double) k1[i][j];
                    }
                    h[j] = Math.max(z, 0);
                }
                for (int j = 0; j < b2.length; j++) {
                    double z = b2[j];
                    for (int i = 0; i < h.length; i++) {
                        z += h[i] * k2[i][j];
                    }
                    out[s * b2.length + j] = (float) z;
                }
            }
            return out;
        }
    }
}
