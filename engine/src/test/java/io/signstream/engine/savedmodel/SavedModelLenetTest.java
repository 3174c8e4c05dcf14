package io.signstream.engine.savedmodel;

import static io.signstream.engine.savedmodel.SavedModelTesting.argmax;
import static io.signstream.engine.savedmodel.SavedModelTesting.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.Explainer;
import io.signstream.engine.api.MapAgreement;
import io.signstream.engine.api.ModelFormat;
import io.signstream.engine.backend.DeviceChoice;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Node;
import io.signstream.engine.graph.TensorLayout;
import io.signstream.engine.npy.NpyArray;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A model trained by others: tensorspace-converter's TF1 LeNet-5 SavedModel (see
 * fixtures/real/tensorspace_lenet_tf_savedmodel/SOURCE.txt): NHWC input (N, 32, 32, 1), variables in a
 * checkpoint, a tf.layers-style dynamic flatten (Shape → StridedSlice → Pack → Reshape), biases as plain Add ops
 * and a softmax output. The reference is the SavedModel itself run by DJL's TensorFlow engine.
 */
class SavedModelLenetTest {

    private static final Path DIR = SavedModelTesting.dir(SavedModelTesting.LENET);

    private static Graph graph;
    private static Explainer onTorch;
    private static Explainer onTensorFlow;

    @BeforeAll
    static void open() throws ExplainException {
        graph = SavedModelImporter.read(DIR);
        onTorch = Explainer.open(DIR, EngineKind.PYTORCH, DeviceChoice.CPU);
        onTensorFlow = Explainer.open(DIR);
    }

    @AfterAll
    static void close() {
        onTorch.close();
        onTensorFlow.close();
    }

    @Test
    void importsAsLeNetWithBiasesInTheLayers() {
        System.out.print(graph);
        assertEquals("MyInput", graph.inputName());
        assertArrayEquals(new long[] {32, 32, 1}, graph.sampleShape());
        assertEquals(TensorLayout.NHWC, graph.layout());
        assertEquals(List.of("MyInput/channels_first", "Conv2D", "MyConv2D_1", "MyMaxPooling2D_1", "Conv2D_1",
                "MyConv2D_2", "MyMaxPooling2D_2", "MyMaxPooling2D_2/channels_last", "Flatten/flatten/Reshape",
                "MatMul", "MyDense_1", "MatMul_1", "MyDense_2", "MatMul_2"),
                graph.nodes().stream().map(Node::name).toList());
        Layer.Conv conv = assertInstanceOf(Layer.Conv.class, graph.node("Conv2D").layer());
        assertArrayEquals(new long[] {6, 1, 5, 5}, conv.weight().shape(), "HWIO kernel converted to OIHW");
        assertNotNull(conv.bias(), "the Add after the convolution is folded into it");
        assertInstanceOf(Layer.Flatten.class, graph.node("Flatten/flatten/Reshape").layer());
        Layer.Dense out = assertInstanceOf(Layer.Dense.class, graph.output().layer());
        assertEquals(84, out.inFeatures());
        assertEquals(10, out.outFeatures());
        assertNotNull(out.bias());
        assertEquals(java.util.Set.of("Conv2D"), graph.inputLayerNames());
        assertEquals("MyConv2D_2", graph.defaultGradCamLayer().orElseThrow().name());
    }

    @Test
    void isRecognisedAsASavedModelFolderThatDefaultsToTensorFlow() throws ExplainException {
        assertEquals(ModelFormat.SAVED_MODEL, ModelFormat.of(DIR));
        assertEquals(ModelFormat.SAVED_MODEL, ModelFormat.of(DIR.resolve("saved_model.pb")));
        assertEquals(EngineKind.TENSORFLOW, onTensorFlow.engine());
        assertFalse(onTensorFlow.channelsFirst(), "inputs and maps stay NHWC");
    }

    /** SOURCE.txt: the bundled digit 5, padded to 32x32, gives class 5 with p = 0.99991 in DJL. */
    @Test
    void predictsTheDocumentedClass() throws Exception {
        NpyArray x = SavedModelTesting.paddedDigit("digit5");
        for (Explainer ex : List.of(onTorch, onTensorFlow)) {
            float[] p = SavedModelTesting.softmax(ex.logits(x).data());
            assertEquals(5, argmax(p), ex.engine().id());
            assertEquals(0.99991, p[5], 5e-6, ex.engine().id());
        }
    }

    /**
     * The logits against DJL's TensorFlow engine running the SavedModel itself: the serving signature ends in the
     * softmax, so a copy gets a second signature whose output is the softmax's input ({@code add_4:0}).
     */
    @ParameterizedTest
    @ValueSource(strings = {"digit5", "digit5_shift2"})
    void logitsMatchTheSavedModelRunByDjl(String input, @TempDir Path tmp) throws Exception {
        NpyArray x = SavedModelTesting.paddedDigit(input);
        Path withLogits = SavedModelTesting.copyWith(DIR, tmp.resolve("lenet"),
                SavedModelTesting.withSignature(SavedModelTesting.read(DIR), "logits", "add_4:0"));
        float[] reference = SavedModelTesting.djlForward(withLogits, "logits", x.data(), x.shape());
        float[] probabilities = SavedModelTesting.djlForward(DIR, "serving_default", x.data(), x.shape());

        for (Explainer ex : List.of(onTorch, onTensorFlow)) {
            float[] logits = ex.logits(x).data();
            double diff = maxAbsDiff(logits, reference);
            double pDiff = maxAbsDiff(SavedModelTesting.softmax(logits), probabilities);
            System.out.printf("SavedModel LeNet %s on %s: max |logit diff| vs DJL = %.3g, |p diff| = %.3g%n", input,
                    ex.engine().id(), diff, pDiff);
            assertTrue(diff <= 1e-4, ex.engine().id() + ": max abs logit difference " + diff);
            assertTrue(pDiff <= 1e-5, ex.engine().id() + ": max abs probability difference " + pDiff);
            assertEquals(argmax(reference), argmax(logits));
        }
    }

    @Test
    void runsBatches() throws Exception {
        NpyArray a = SavedModelTesting.paddedDigit("digit5");
        NpyArray b = SavedModelTesting.paddedDigit("digit5_shift2");
        float[] both = new float[2 * 1024];
        System.arraycopy(a.data(), 0, both, 0, 1024);
        System.arraycopy(b.data(), 0, both, 1024, 1024);
        float[] batched = onTensorFlow.logits(new NpyArray(both, new long[] {2, 32, 32, 1})).data();
        assertTrue(maxAbsDiff(onTensorFlow.logits(a).data(), java.util.Arrays.copyOfRange(batched, 0, 10)) <= 1e-5);
        assertTrue(maxAbsDiff(onTensorFlow.logits(b).data(), java.util.Arrays.copyOfRange(batched, 10, 20)) <= 1e-5);
    }

    /** The same graph on both engines: gradient and LRP-ε maps agree (r ≥ 0.9999, max diff ≤ 1e-4 · max). */
    @ParameterizedTest
    @ValueSource(strings = {"gradient", "lrp_epsilon_0_1"})
    void mapsAgreeAcrossEngines(String method) throws Exception {
        for (String input : List.of("digit5", "digit5_shift2")) {
            NpyArray x = SavedModelTesting.paddedDigit(input);
            NpyArray pt = onTorch.explain(x, null, method, Map.of()).map();
            NpyArray tf = onTensorFlow.explain(x, null, method, Map.of()).map();
            assertArrayEquals(x.shape(), pt.shape(), "maps come in the input's NHWC layout");
            assertArrayEquals(x.shape(), tf.shape());
            MapAgreement agreement = MapAgreement.of(pt.data(), tf.data());
            System.out.printf("SavedModel LeNet %s %s: r = %.7f, max diff = %.3g (max |map| %.3g)%n", input, method,
                    agreement.pearson(), agreement.maxAbsDiff(), agreement.maxAbsReference());
            assertTrue(agreement.maxAbsReference() > 0, "empty map");
            assertTrue(agreement.pearson() >= 0.9999, method + " " + input + ": r = " + agreement.pearson());
            assertTrue(agreement.maxAbsDiff() <= 1e-4 * agreement.maxAbsReference(),
                    method + " " + input + ": max diff " + agreement.maxAbsDiff());
            assertFinite(tf.data(), method);
        }
    }

    /**
     * The gradient against the SavedModel itself: finite differences of DJL's logits on the pixels with the
     * largest gradient. The network is piecewise linear, so the gradient is one of the one-sided slopes even where
     * a step crosses a ReLU or max-pool kink (the zero background has many). Float32 logits of about 16 limit the
     * differences to about 1 %, hence the 2 % tolerance: a misplaced axis or kernel would be off by far more.
     */
    @Test
    void gradientMatchesFiniteDifferencesOfTheSavedModel(@TempDir Path tmp) throws Exception {
        NpyArray x = SavedModelTesting.paddedDigit("digit5");
        float[] gradient = onTensorFlow.explain(x, new int[] {5}, "gradient", Map.of()).map().data();
        Path withLogits = SavedModelTesting.copyWith(DIR, tmp.resolve("lenet"),
                SavedModelTesting.withSignature(SavedModelTesting.read(DIR), "logits", "add_4:0"));
        Integer[] order = new Integer[gradient.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (i, j) -> Float.compare(Math.abs(gradient[j]), Math.abs(gradient[i])));
        int k = 16;
        float h = 3e-3f;
        float[] batch = new float[(2 * k + 1) * 1024];
        System.arraycopy(x.data(), 0, batch, 2 * k * 1024, 1024);
        for (int n = 0; n < k; n++) {
            for (int side = 0; side < 2; side++) {
                float[] copy = x.data().clone();
                copy[order[n]] += side == 0 ? h : -h;
                System.arraycopy(copy, 0, batch, (2 * n + side) * 1024, 1024);
            }
        }
        float[] logits = SavedModelTesting.djlForward(withLogits, "logits", batch,
                new long[] {2 * k + 1, 32, 32, 1});
        double centre = logits[2 * k * 10 + 5];
        double tolerance = 0.02 * Math.abs(gradient[order[0]]);
        for (int n = 0; n < k; n++) {
            double up = logits[2 * n * 10 + 5];
            double down = logits[(2 * n + 1) * 10 + 5];
            double g = gradient[order[n]];
            double best = Math.min(Math.abs((up - down) / (2 * h) - g),
                    Math.min(Math.abs((up - centre) / h - g), Math.abs((centre - down) / h - g)));
            assertTrue(best <= tolerance, "pixel " + order[n] + ": gradient " + g + ", slopes " + (up - centre) / h
                    + " / " + (centre - down) / h);
        }
    }

    private static void assertFinite(float[] map, String method) {
        for (float v : map) {
            assertTrue(Float.isFinite(v), method + ": non-finite value in the map");
        }
    }
}
