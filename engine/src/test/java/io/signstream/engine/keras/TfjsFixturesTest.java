package io.signstream.engine.keras;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.signstream.engine.api.ExplainException;
import io.signstream.engine.backend.Backend;
import io.signstream.engine.backend.Backends;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Node;
import io.signstream.engine.graph.TensorLayout;
import io.signstream.engine.npy.NpyArray;
import io.signstream.engine.testing.Fixtures;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The TensorFlow.js fixtures (fixtures/tf, see its README.md): two tfjs-layers models saved by TensorFlow.js
 * 4.22 with reference maps from {@code tf.grad} (float32). Every model, input and map on both engines: logits,
 * gradient and input × gradient through {@code MethodRunner}; integrated gradients with the fixtures' own scheme, a
 * right Riemann sum over k/64·x for k = 1..64, computed from our gradients at exactly those points (our
 * {@code integrated_gradients} uses SignXAI's i/(n−1)·x, i = 0..n−1, which is a different sum).
 */
class TfjsFixturesTest {

    static {
        KerasTesting.quietJhdf();
    }

    /** README: about 1e-5 relative for gradient and input × gradient; IG may differ a little more near kinks. */
    private static final double GRADIENT_TOLERANCE = 1e-5;
    private static final double IG_TOLERANCE = 1e-4;

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

    @Test
    void cnnImportsChannelsLastWithATransposeBeforeFlatten() throws ExplainException {
        Graph g = TfjsImporter.read(Fixtures.file("tf/cnn/model/model.json"));
        System.out.print(g);
        assertEquals("cnn", g.name());
        assertArrayEquals(new long[] {16, 16, 1}, g.sampleShape());
        assertEquals(TensorLayout.NHWC, g.layout());
        assertEquals(List.of("input/channels_first", "conv_1", "conv_1/relu", "pool_1", "conv_2", "conv_2/relu",
                "pool_2", "pool_2/channels_last", "flatten", "dense_1", "dense_1/relu", "logits"),
                g.nodes().stream().map(Node::name).toList());
        Layer.Conv conv = assertInstanceOf(Layer.Conv.class, g.node("conv_2").layer());
        assertArrayEquals(new long[] {16, 8, 3, 3}, conv.weight().shape());
        assertArrayEquals(new int[] {1, 1}, conv.spec().padBegin());
        assertEquals(256, assertInstanceOf(Layer.Dense.class, g.node("dense_1").layer()).inFeatures());
    }

    @Test
    void mlpImportsAsThreeDenseLayers() throws ExplainException {
        Graph g = TfjsImporter.read(Fixtures.file("tf/mlp/model/model.json"));
        assertEquals(TensorLayout.NC, g.layout());
        assertEquals(List.of("dense_1", "dense_1/relu", "dense_2", "dense_2/relu", "logits"),
                g.nodes().stream().map(Node::name).toList());
    }

    @TestFactory
    Stream<DynamicTest> referenceMapsOnBothEngines() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String model : List.of("mlp", "cnn")) {
            for (EngineKind engine : EngineKind.values()) {
                tests.add(DynamicTest.dynamicTest(model + " " + engine, () -> checkModel(model, engine)));
            }
        }
        return tests.stream();
    }

    private static void checkModel(String model, EngineKind engine) throws Exception {
        Backend backend = engine == EngineKind.PYTORCH ? pytorch : tensorflow;
        String dir = "tf/" + model + "/";
        Graph g = TfjsImporter.read(Fixtures.file(dir + "model/model.json"));
        List<String> failures = new ArrayList<>();
        for (JsonElement e : manifest(dir).getAsJsonArray("entries")) {
            JsonObject entry = e.getAsJsonObject();
            NpyArray x = Fixtures.npy(Fixtures.file(dir + entry.get("input").getAsString()));
            int target = entry.get("target").getAsInt();
            float[] logits = KerasTesting.logits(backend, g, x);
            float[] expectedLogits = Fixtures.npy(Fixtures.file(dir + entry.get("logits").getAsString())).data();
            double logitErr = KerasTesting.relError(logits, expectedLogits);
            report(failures, model, engine, entry.get("input").getAsString(), "logits", logitErr, GRADIENT_TOLERANCE);
            assertEquals(target, KerasTesting.argMax(logits));
            for (JsonElement a : entry.getAsJsonArray("attributions")) {
                String method = a.getAsJsonObject().get("method").getAsString();
                float[] reference = Fixtures.npy(Fixtures.file(dir + a.getAsJsonObject().get("file").getAsString()))
                        .data();
                float[] ours = switch (method) {
                    case "gradient" -> KerasTesting.map(backend, g, x, target, "gradient", Map.of());
                    case "input_x_gradient" -> KerasTesting.map(backend, g, x, target, "input_t_gradient", Map.of());
                    case "integrated_gradients" -> rightRiemannIg(backend, g, x, target, a.getAsJsonObject());
                    default -> throw new AssertionError("unknown reference method " + method);
                };
                double tol = method.equals("integrated_gradients") ? IG_TOLERANCE : GRADIENT_TOLERANCE;
                report(failures, model, engine, entry.get("input").getAsString(), method,
                        KerasTesting.relError(ours, reference), tol);
            }
        }
        assertEquals(List.of(), failures);
    }

    /** (x − 0) · (1/n) Σ_{k=1..n} ∂f/∂x (k/n · x): the recorded scheme, from gradients at those n points. */
    private static float[] rightRiemannIg(Backend backend, Graph g, NpyArray x, int target, JsonObject reference)
            throws ExplainException {
        JsonObject params = reference.getAsJsonObject("params");
        assertEquals("right_riemann", params.get("rule").getAsString());
        assertEquals("zeros", params.get("baseline").getAsString());
        int n = params.get("steps").getAsInt();
        int size = x.data().length;
        float[] points = new float[n * size];
        for (int k = 1; k <= n; k++) {
            for (int i = 0; i < size; i++) {
                points[(k - 1) * size + i] = (float) ((double) k / n * x.data()[i]);
            }
        }
        long[] shape = x.shape().clone();
        shape[0] = n;
        float[] grads = KerasTesting.map(backend, g, new NpyArray(points, shape), target, "gradient", Map.of());
        float[] ig = new float[size];
        for (int i = 0; i < size; i++) {
            double sum = 0;
            for (int k = 0; k < n; k++) {
                sum += grads[k * size + i];
            }
            ig[i] = (float) (x.data()[i] * sum / n);
        }
        return ig;
    }

    private static void report(List<String> failures, String model, EngineKind engine, String input, String what,
            double err, double tol) {
        String line = String.format(Locale.ROOT, "TF.js %s %s %-10s %-22s rel.err %.2e (tol %.0e)", model, engine,
                input, what, err, tol);
        System.out.println(line);
        if (!(err <= tol)) {
            failures.add(line);
        }
    }

    private static JsonObject manifest(String dir) {
        try (Reader r = Files.newBufferedReader(Fixtures.file(dir + "manifest.json"))) {
            return JsonParser.parseReader(r).getAsJsonObject();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
