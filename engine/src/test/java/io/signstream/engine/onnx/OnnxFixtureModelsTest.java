package io.signstream.engine.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.backend.Backend;
import io.signstream.engine.backend.Backends;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.graph.ActivationKind;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Node;
import io.signstream.engine.graph.TensorLayout;
import io.signstream.engine.npy.NpyArray;
import io.signstream.engine.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The four fixture models (PyTorch exports, opset 13): import, forward against the stored logits, names. */
class OnnxFixtureModelsTest {

    /** fixtures/README.md: forward pass (logits) max abs difference ≤ 1e-4. */
    private static final double LOGIT_TOLERANCE = 1e-4;

    private static Backend backend;

    @BeforeAll
    static void open() {
        backend = Backends.open(EngineKind.PYTORCH);
    }

    @AfterAll
    static void close() {
        backend.close();
    }

    static Stream<Arguments> inputs() {
        return Stream.of(
                Arguments.of("mlp", 4), Arguments.of("digits_cnn", 4), Arguments.of("small_vgg", 2),
                Arguments.of("ts_cnn", 3))
                .flatMap(a -> {
                    String model = (String) a.get()[0];
                    int n = (Integer) a.get()[1];
                    return Stream.iterate(0, k -> k + 1).limit(n).map(k -> Arguments.of(model, "x" + k));
                });
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("inputs")
    void logitsMatchPyTorch(String model, String x) throws ExplainException {
        Graph graph = OnnxImporter.read(Fixtures.model(model, "onnx"));
        NpyArray input = Fixtures.input(model, x);
        NpyArray expected = Fixtures.logits(model, x);

        float[] logits = OnnxForward.run(backend, graph, input);

        double diff = OnnxForward.maxAbsDiff(logits, expected.data());
        System.out.printf("ONNX forward %s %s: max |logit diff| = %.3g%n", model, x, diff);
        assertTrue(diff <= LOGIT_TOLERANCE, model + " " + x + ": max abs logit difference " + diff);
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp", "digits_cnn", "small_vgg", "ts_cnn"})
    void batchOfFourEqualsFourSingleForwards(String model) throws ExplainException {
        Graph graph = OnnxImporter.read(Fixtures.model(model, "onnx"));
        List<NpyArray> singles = new ArrayList<>();
        for (int k = 0; singles.size() < 4; k = (k + 1) % 4) {
            // small_vgg has two inputs and ts_cnn three: reuse them to fill the batch.
            String x = "x" + k;
            if (Fixtures.root().resolve(model).resolve(x).toFile().isDirectory()) {
                singles.add(Fixtures.input(model, x));
            }
        }
        int sample = singles.get(0).data().length;
        float[] batch = new float[4 * sample];
        for (int i = 0; i < 4; i++) {
            System.arraycopy(singles.get(i).data(), 0, batch, i * sample, sample);
        }
        long[] shape = singles.get(0).shape().clone();
        shape[0] = 4;

        float[] batched = OnnxForward.run(backend, graph, batch, shape);

        int classes = batched.length / 4;
        for (int i = 0; i < 4; i++) {
            float[] single = OnnxForward.run(backend, graph, singles.get(i));
            float[] row = java.util.Arrays.copyOfRange(batched, i * classes, (i + 1) * classes);
            assertTrue(OnnxForward.maxAbsDiff(single, row) <= 1e-5, model + " sample " + i);
        }
    }

    @Test
    void mlpGraphKeepsTheModuleNames() throws ExplainException {
        Graph graph = OnnxImporter.read(Fixtures.model("mlp", "onnx"));
        System.out.print(graph);

        assertEquals("mlp", graph.name());
        assertEquals("input", graph.inputName());
        assertArrayEquals(new long[] {20}, graph.sampleShape());
        assertEquals(TensorLayout.NC, graph.layout());
        assertEquals(List.of("layers.0", "layers.1", "layers.2", "layers.3", "layers.4"),
                graph.nodes().stream().map(Node::name).toList());
        Layer.Dense first = assertInstanceOf(Layer.Dense.class, graph.node("layers.0").layer());
        assertEquals(20, first.inFeatures());
        assertEquals(32, first.outFeatures());
        assertEquals("layers.4", graph.output().name());
        assertEquals(Set.of("layers.0"), graph.inputLayerNames());
    }

    @Test
    void digitsCnnGradCamLayerIsTheReluOfFeatures4() throws ExplainException {
        Graph graph = OnnxImporter.read(Fixtures.model("digits_cnn", "onnx"));
        System.out.print(graph);

        assertEquals(TensorLayout.NCHW, graph.layout());
        assertArrayEquals(new long[] {1, 16, 16}, graph.sampleShape());
        assertEquals(List.of("features.0", "features.1", "features.2", "features.3", "features.4", "features.5",
                "classifier.0", "classifier.1", "classifier.2", "classifier.3"),
                graph.nodes().stream().map(Node::name).toList());
        assertRelu(graph, "features.4");
        assertEquals("features.4", graph.defaultGradCamLayer().orElseThrow().name());
        assertInstanceOf(Layer.Flatten.class, graph.node("classifier.0").layer());
        Layer.Conv conv = assertInstanceOf(Layer.Conv.class, graph.node("features.0").layer());
        assertArrayEquals(new int[] {1, 1}, conv.spec().padBegin());
        assertEquals(Set.of("features.0"), graph.inputLayerNames());
    }

    @Test
    void smallVggGradCamLayerIsTheReluOfFeatures8() throws ExplainException {
        Graph graph = OnnxImporter.read(Fixtures.model("small_vgg", "onnx"));
        System.out.print(graph);

        assertArrayEquals(new long[] {3, 32, 32}, graph.sampleShape());
        assertRelu(graph, "features.8");
        assertEquals("features.8", graph.defaultGradCamLayer().orElseThrow().name());
        assertEquals("classifier.4", graph.output().name());
    }

    @Test
    void tsCnnIsOneDimensionalAndItsGradCamLayerIsFeatures4() throws ExplainException {
        Graph graph = OnnxImporter.read(Fixtures.model("ts_cnn", "onnx"));
        System.out.print(graph);

        assertEquals(TensorLayout.NCT, graph.layout());
        assertArrayEquals(new long[] {2, 256}, graph.sampleShape());
        assertEquals("conv1d", graph.node("features.0").layer().kind());
        assertRelu(graph, "features.4");
        assertEquals("features.4", graph.defaultGradCamLayer().orElseThrow().name());
    }

    private static void assertRelu(Graph graph, String name) {
        Layer.Activation a = assertInstanceOf(Layer.Activation.class, graph.node(name).layer());
        assertEquals(ActivationKind.RELU, a.function());
    }
}
