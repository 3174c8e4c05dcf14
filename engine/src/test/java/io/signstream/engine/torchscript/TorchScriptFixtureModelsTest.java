package io.signstream.engine.torchscript;

import static io.signstream.engine.torchscript.TorchScriptFixtures.argMax;
import static io.signstream.engine.torchscript.TorchScriptFixtures.load;
import static io.signstream.engine.torchscript.TorchScriptFixtures.maxAbs;
import static io.signstream.engine.torchscript.TorchScriptFixtures.maxAbsDiff;
import static io.signstream.engine.torchscript.TorchScriptFixtures.npy;
import static io.signstream.engine.torchscript.TorchScriptFixtures.oneHot;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.signstream.engine.backend.Backend;
import io.signstream.engine.backend.Backends;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.exec.Activations;
import io.signstream.engine.exec.BoundGraph;
import io.signstream.engine.exec.ForwardPass;
import io.signstream.engine.exec.GradientPropagation;
import io.signstream.engine.exec.ReversePass;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.npy.NpyArray;
import io.signstream.engine.torchscript.TorchScriptFixtures.Case;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The four fixture models (fixtures/README.md) through both TorchScript paths: libtorch ({@link TorchScriptModel})
 * and the imported graph on the PyTorch backend, against the stored logits and the canonical gradient maps.
 */
// libtorch's autograd is this test's reference: it runs capped at AVX (engine/pom.xml, "libtorch-autograd")
@Tag("libtorch-autograd")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TorchScriptFixtureModelsTest {

    private Backend backend;
    private final Map<String, TorchScriptModel> models = new HashMap<>();
    private final Map<String, BoundGraph> graphs = new HashMap<>();

    @BeforeAll
    void open() throws Exception {
        backend = Backends.open(EngineKind.PYTORCH);
        for (Case c : TorchScriptFixtures.cases()) {
            if (!models.containsKey(c.model())) {
                models.put(c.model(), TorchScriptModel.load(c.pt()));
                graphs.put(c.model(), new BoundGraph(TorchScriptImporter.read(c.pt(), c.sampleShape()), backend));
            }
        }
    }

    @AfterAll
    void close() {
        graphs.values().forEach(BoundGraph::close);
        models.values().forEach(TorchScriptModel::close);
        backend.close();
    }

    static List<Case> cases() {
        return TorchScriptFixtures.cases();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void libtorchForwardMatchesStoredLogits(Case c) throws Exception {
        try (NDManager m = backend.newManager()) {
            NDArray x = load(m, c.dir().resolve("input.npy"));
            NpyArray logits = npy(c.dir().resolve("logits.npy"));
            NDArray y = models.get(c.model()).forward(x);
            assertArrayEquals(logits.shape(), y.getShape().getShape());
            double err = maxAbsDiff(y.toFloatArray(), logits.data());
            report(c, "libtorch forward vs logits.npy", err);
            assertTrue(err <= 1e-4, c + ": libtorch logits differ by " + err);
            assertEquals(c.target(), argMax(logits.data()), "stored target is the arg-max of the stored logits");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void importedGraphForwardMatchesStoredLogits(Case c) {
        try (NDManager m = backend.newManager()) {
            NDArray x = load(m, c.dir().resolve("input.npy"));
            NpyArray logits = npy(c.dir().resolve("logits.npy"));
            NDArray y = ForwardPass.run(graphs.get(c.model()), x).output();
            assertArrayEquals(logits.shape(), y.getShape().getShape());
            double err = maxAbsDiff(y.toFloatArray(), logits.data());
            report(c, "graph forward vs logits.npy", err);
            assertTrue(err <= 1e-4, c + ": graph logits differ by " + err);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void autogradGradientMatchesGraphReversePassAndCanonicalReference(Case c) throws Exception {
        try (NDManager m = backend.newManager()) {
            NDArray x = load(m, c.dir().resolve("input.npy"));
            NpyArray canonical = npy(c.dir().resolve("canonical").resolve("gradient.npy"));
            BoundGraph graph = graphs.get(c.model());
            Activations acts = ForwardPass.run(graph, x);
            NDArray seed = oneHot(m, acts.output().getShape().get(1), c.target());

            NDArray autograd = models.get(c.model()).inputGradient(x, seed);
            NDArray reverse = ReversePass.toInput(graph, acts, seed, new GradientPropagation());
            assertArrayEquals(x.getShape().getShape(), autograd.getShape().getShape());
            assertArrayEquals(canonical.shape(), autograd.getShape().getShape());

            float[] a = autograd.toFloatArray();
            float[] r = reverse.toFloatArray();
            double vsGraph = maxAbsDiff(a, r) / maxAbs(r);
            double refMax = maxAbs(canonical.data());
            double vsCanonical = maxAbsDiff(a, canonical.data());
            double graphVsCanonical = maxAbsDiff(r, canonical.data());
            report(c, "autograd vs graph reverse pass (rel)", vsGraph);
            report(c, "autograd vs canonical gradient (rel)", vsCanonical / refMax);
            report(c, "graph reverse pass vs canonical gradient (rel)", graphVsCanonical / refMax);
            assertTrue(vsGraph <= 1e-4, c + ": autograd vs reverse pass " + vsGraph);
            assertTrue(vsCanonical <= 1e-4 * refMax + 1e-7, c + ": autograd vs canonical " + vsCanonical);
            assertTrue(graphVsCanonical <= 1e-4 * refMax + 1e-7, c + ": reverse pass vs canonical " + graphVsCanonical);
        }
    }

    @Test
    void aBatchGivesPerSampleGradients() throws Exception {
        // all four digits inputs in one batch, each with its own target: batch in, batch out
        List<Case> digits = TorchScriptFixtures.cases().stream().filter(c -> c.model().equals("digits_cnn")).toList();
        try (NDManager m = backend.newManager()) {
            NDArray[] xs = digits.stream().map(c -> load(m, c.dir().resolve("input.npy"))).toArray(NDArray[]::new);
            NDArray x = ai.djl.ndarray.NDArrays.concat(new ai.djl.ndarray.NDList(xs), 0);
            int[] targets = digits.stream().mapToInt(Case::target).toArray();
            NDArray grad = models.get("digits_cnn").inputGradient(x, oneHot(m, 10, targets));
            assertEquals(digits.size(), grad.getShape().get(0));
            for (int i = 0; i < digits.size(); i++) {
                NpyArray ref = npy(digits.get(i).dir().resolve("canonical").resolve("gradient.npy"));
                double err = maxAbsDiff(grad.get(i).toFloatArray(), ref.data());
                assertTrue(err <= 1e-4 * maxAbs(ref.data()) + 1e-7, digits.get(i) + " in a batch: " + err);
            }
        }
    }

    @Test
    void gradCamLayerNamesResolveToReluNodes() {
        Graph digits = graphs.get("digits_cnn").graph();
        Graph vgg = graphs.get("small_vgg").graph();
        Graph ts = graphs.get("ts_cnn").graph();
        assertEquals("relu", digits.node("features.4").layer().kind());
        assertEquals("relu", vgg.node("features.8").layer().kind());
        assertEquals("relu", ts.node("features.4").layer().kind());
        assertEquals("features.4", digits.defaultGradCamLayer().orElseThrow().name());
        assertEquals("features.8", vgg.defaultGradCamLayer().orElseThrow().name());
        assertEquals("features.4", ts.defaultGradCamLayer().orElseThrow().name());
    }

    private static void report(Case c, String what, double value) {
        System.out.println(String.format(Locale.ROOT, "AGREEMENT %-14s %-48s %.3e", c, what, value));
    }
}
