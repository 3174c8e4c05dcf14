package io.signstream.engine.keras;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.signstream.engine.backend.Backend;
import io.signstream.engine.backend.Backends;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.graph.ActivationKind;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.npy.NpyArray;
import io.signstream.engine.testing.Fixtures;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * Keras layers of mobile and attention architectures in models made and saved by TensorFlow.js 4.22 itself
 * (src/test/js/keras_layers_models.js → src/test/resources/keras_layers): every model and input on both engines,
 * the logits against the framework's and the gradient against {@code tf.grad}, within 1e-5 of the reference's
 * largest magnitude (float32 on both sides, as for the fixtures/tf models); LRP, DeepLIFT, integrated gradients,
 * guided backprop and SmoothGrad agree between the engines within 1e-4.
 */
class KerasLayersModelsTest {

    static {
        KerasTesting.quietJhdf();
    }

    private static final double TOLERANCE = 1e-5;

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

    static Path root() {
        return Fixtures.root().resolveSibling("keras_layers");
    }

    static Graph model(String name) throws Exception {
        return TfjsImporter.read(root().resolve(name).resolve("model/model.json"));
    }

    @Test
    void depthwiseAndSeparableConvolutionsAreGroupedConvolutions() throws Exception {
        Graph g = model("dwsep");
        Layer.Conv dw = assertInstanceOf(Layer.Conv.class, g.node("dw_1").layer());
        assertEquals(3, dw.spec().groups(), "one group per input channel");
        assertEquals(List.of(6L, 1L, 3L, 3L), List.of(dw.weight().shape()[0], dw.weight().shape()[1],
                dw.weight().shape()[2], dw.weight().shape()[3]), "depth_multiplier 2: 6 output channels");
        Layer.Conv depthwise = assertInstanceOf(Layer.Conv.class, g.node("sep_1/depthwise").layer());
        assertEquals(6, depthwise.spec().groups());
        Layer.Conv pointwise = assertInstanceOf(Layer.Conv.class, g.node("sep_1").layer());
        assertEquals(1, pointwise.spec().groups());
        assertEquals(8, pointwise.weight().shape()[0]);
        assertEquals("sep_1/depthwise", g.node("sep_1").inputs().get(0));
    }

    @Test
    void mobileBlockTranslatesToClipGateLayerNormAndSilu() throws Exception {
        Graph g = model("mobile_se");
        assertEquals(new Layer.Clip(0f, 6f), g.node("stem_relu6").layer(), "ReLU(max_value=6)");
        assertEquals(new Layer.Clip(0f, 6f), g.node("dw/relu6").layer(), "activation 'relu6'");
        assertEquals(new Layer.Multiply(1), g.node("se_excite").layer(), "the sigmoid operand is the gate");
        assertInstanceOf(Layer.LayerNorm.class, g.node("ln").layer());
        assertEquals(Layer.Activation.of(ActivationKind.SILU), g.node("project/swish").layer());
        Graph mlp = model("ln_mlp");
        assertEquals(new Layer.Multiply(Layer.Multiply.NO_GATE), mlp.node("product").layer());
        assertEquals(Layer.Activation.of(ActivationKind.GELU), mlp.node("gelu").layer());
        assertEquals(Layer.Activation.of(ActivationKind.GELU_TANH), mlp.node("fc_gate/gelu_new").layer());
        assertEquals(1e-5f, ((Layer.LayerNorm) mlp.node("ln_2").layer()).epsilon());
    }

    /** Methods without a framework reference agree between the engines (same graph, same rules). */
    @TestFactory
    Stream<DynamicTest> otherMethodsAgreeAcrossEngines() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : List.of("dwsep", "mobile_se", "ln_mlp")) {
            for (String method : List.of("lrp_epsilon_0_1", "deeplift", "integrated_gradients",
                    "guided_backprop", "smoothgrad")) {
                tests.add(DynamicTest.dynamicTest(name + " " + method, () -> {
                    Graph g = model(name);
                    NpyArray x = Fixtures.npy(root().resolve(name).resolve("input_0.npy"));
                    Map<String, String> params = Map.of("augment_by_n", "8");
                    float[] a = KerasTesting.map(pytorch, g, x, 1, method, params);
                    float[] c = KerasTesting.map(tensorflow, g, x, 1, method, params);
                    double err = KerasTesting.relError(a, c);
                    assertTrue(err <= 1e-4, name + " " + method + ": PyTorch vs TensorFlow " + err);
                }));
            }
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> logitsAndGradientsOnBothEngines() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(root())) {
            for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
                for (EngineKind engine : EngineKind.values()) {
                    String name = dir.getFileName().toString();
                    tests.add(DynamicTest.dynamicTest(name + " " + engine, () -> check(name, engine)));
                }
            }
        }
        return tests.stream();
    }

    private static void check(String name, EngineKind engine) throws Exception {
        Backend backend = engine == EngineKind.PYTORCH ? pytorch : tensorflow;
        Path dir = root().resolve(name);
        Graph g = model(name);
        JsonObject manifest;
        try (Reader r = Files.newBufferedReader(dir.resolve("manifest.json"))) {
            manifest = JsonParser.parseReader(r).getAsJsonObject();
        }
        List<String> failures = new ArrayList<>();
        double worstLogits = 0;
        double worstGradient = 0;
        for (JsonElement e : manifest.getAsJsonArray("entries")) {
            JsonObject entry = e.getAsJsonObject();
            NpyArray x = Fixtures.npy(dir.resolve(entry.get("input").getAsString()));
            int target = entry.get("target").getAsInt();
            double logitErr = KerasTesting.relError(KerasTesting.logits(backend, g, x),
                    Fixtures.npy(dir.resolve(entry.get("logits").getAsString())).data());
            double gradErr = KerasTesting.relError(KerasTesting.map(backend, g, x, target, "gradient", Map.of()),
                    Fixtures.npy(dir.resolve(entry.get("gradient").getAsString())).data());
            worstLogits = Math.max(worstLogits, logitErr);
            worstGradient = Math.max(worstGradient, gradErr);
            if (logitErr > TOLERANCE || gradErr > TOLERANCE) {
                failures.add(String.format(Locale.ROOT, "%s: logits %.2e, gradient %.2e",
                        entry.get("input").getAsString(), logitErr, gradErr));
            }
        }
        System.out.printf(Locale.ROOT, "keras_layers %s %s: worst relative error logits %.2e, gradient %.2e%n",
                name, engine, worstLogits, worstGradient);
        assertEquals(List.of(), failures, name + " " + engine);
    }
}
