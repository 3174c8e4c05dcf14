package io.signstream.engine.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.backend.Backend;
import io.signstream.engine.backend.Backends;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Node;
import io.signstream.engine.npy.NpyArray;
import io.signstream.engine.testing.Fixtures;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A model trained by others: the ONNX model zoo's mnist-8 (CNTK export, opset 8, simplified by onnxsim) from the
 * wonnx repository, see fixtures/real/wonnx_opt_mnist/SOURCE.txt. It exercises what the PyTorch fixtures do not:
 * nameless nodes, auto_pad=SAME_UPPER, a Reshape with a constant (1, 256) target, Gemm with transB=0 and a (1, 10)
 * bias, initializers listed as graph inputs, a fixed batch of 1 in the declaration.
 */
class OnnxRealModelTest {

    private static final String DIR = "real/wonnx_opt_mnist/";

    private static Backend backend;
    private static Graph graph;

    @BeforeAll
    static void open() throws ExplainException {
        backend = Backends.open(EngineKind.PYTORCH);
        graph = OnnxImporter.read(Fixtures.file(DIR + "opt-mnist.onnx"));
    }

    @AfterAll
    static void close() {
        backend.close();
    }

    @Test
    void importsAsAPlainCnn() {
        System.out.print(graph);
        assertEquals("Input3", graph.inputName());
        assertArrayEquals(new long[] {1, 28, 28}, graph.sampleShape());
        assertEquals(List.of("Convolution28", "ReLU32", "Pooling66", "Convolution110", "ReLU114", "Pooling160",
                "Times212_reshape0", "Plus214_Output_0"), graph.nodes().stream().map(Node::name).toList());
        Layer.Conv conv = assertInstanceOf(Layer.Conv.class, graph.node("Convolution28").layer());
        assertArrayEquals(new int[] {2, 2}, conv.spec().padBegin(), "SAME_UPPER, 5x5 kernel");
        assertArrayEquals(new int[] {2, 2}, conv.spec().padEnd());
        assertInstanceOf(Layer.Flatten.class, graph.node("Times212_reshape0").layer());
        Layer.Dense dense = assertInstanceOf(Layer.Dense.class, graph.output().layer());
        assertEquals(256, dense.inFeatures());
        assertEquals(10, dense.outFeatures());
        assertEquals("ReLU114", graph.defaultGradCamLayer().orElseThrow().name());
    }

    @ParameterizedTest
    @ValueSource(strings = {"digit5", "digit5_shift2"})
    void predictsTheDocumentedClassWithTheReferenceLogits(String input) {
        NpyArray x = Fixtures.npy(Fixtures.file(DIR + "canonical/" + input + ".input.npy"));
        NpyArray expected = Fixtures.npy(Fixtures.file(DIR + "canonical/" + input + ".logits.npy"));

        float[] logits = OnnxForward.run(backend, graph, x);

        double diff = OnnxForward.maxAbsDiff(logits, expected.data());
        System.out.printf("ONNX forward wonnx_opt_mnist %s: max |logit diff| = %.3g%n", input, diff);
        assertTrue(diff <= 1e-4, "max abs logit difference " + diff);
        assertEquals(5, OnnxForward.argmax(logits));
    }

    /** The repository's own digit images, pixels / 255 as its README says. */
    @ParameterizedTest
    @ValueSource(ints = {0, 3, 5, 7})
    void classifiesTheBundledDigitImages(int digit) throws IOException {
        BufferedImage image = ImageIO.read(Fixtures.file(DIR + digit + ".jpg").toFile());
        assertNotNull(image, "ImageIO cannot decode " + digit + ".jpg");
        Raster raster = image.getRaster();
        float[] pixels = new float[28 * 28];
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                pixels[y * 28 + x] = raster.getSample(x, y, 0) / 255f;
            }
        }

        float[] logits = OnnxForward.run(backend, graph, pixels, 1, 1, 28, 28);

        assertEquals(digit, OnnxForward.argmax(logits), "logits " + java.util.Arrays.toString(logits));
    }

    @Test
    void runsBatchesAlthoughTheDeclarationFixesBatchOne() {
        NpyArray a = Fixtures.npy(Fixtures.file(DIR + "canonical/digit5.input.npy"));
        NpyArray b = Fixtures.npy(Fixtures.file(DIR + "canonical/digit5_shift2.input.npy"));
        float[] both = new float[2 * 784];
        System.arraycopy(a.data(), 0, both, 0, 784);
        System.arraycopy(b.data(), 0, both, 784, 784);

        float[] batched = OnnxForward.run(backend, graph, both, 2, 1, 28, 28);

        float[] first = OnnxForward.run(backend, graph, a);
        float[] second = OnnxForward.run(backend, graph, b);
        assertTrue(OnnxForward.maxAbsDiff(first, java.util.Arrays.copyOfRange(batched, 0, 10)) <= 1e-5);
        assertTrue(OnnxForward.maxAbsDiff(second, java.util.Arrays.copyOfRange(batched, 10, 20)) <= 1e-5);
    }
}
