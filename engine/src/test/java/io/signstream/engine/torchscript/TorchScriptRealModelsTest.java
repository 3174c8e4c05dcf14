package io.signstream.engine.torchscript;

import static io.signstream.engine.torchscript.TorchScriptFixtures.argMax;
import static io.signstream.engine.torchscript.TorchScriptFixtures.maxAbs;
import static io.signstream.engine.torchscript.TorchScriptFixtures.maxAbsDiff;
import static io.signstream.engine.torchscript.TorchScriptFixtures.oneHot;
import static io.signstream.engine.torchscript.TorchScriptSyntheticModelsTest.randomInput;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.signstream.engine.api.ExplainException;
import io.signstream.engine.backend.Backend;
import io.signstream.engine.backend.Backends;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.exec.Activations;
import io.signstream.engine.exec.BoundGraph;
import io.signstream.engine.exec.ForwardPass;
import io.signstream.engine.exec.GradientPropagation;
import io.signstream.engine.exec.ReversePass;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Node;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Models trained or saved by others (fixtures/real): TorchSharp's test archives (nn.Sequential traced in Python,
 * archive folder "foo") and DJL's identity module, plus an archive whose code uses an operation the graph has no
 * layer for. Unsupported models must fail the importer with UNSUPPORTED_MODEL while {@link TorchScriptModel} still
 * gives gradients — the fallback the explainer relies on.
 */
// libtorch's autograd is this test's reference: it runs capped at AVX (engine/pom.xml, "libtorch-autograd")
@Tag("libtorch-autograd")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TorchScriptRealModelsTest {

    @TempDir
    Path dir;

    private Backend backend;

    @BeforeAll
    void open() {
        backend = Backends.open(EngineKind.PYTORCH);
    }

    @AfterAll
    void close() {
        backend.close();
    }

    private static Path real(String folder, String file) {
        return TorchScriptFixtures.root().resolve("real").resolve(folder).resolve(file);
    }

    /** SOURCE.txt: linrelu = Linear(10,6)+ReLU, input [N,10]; l1000_100_10 = Sequential(Sequential(Linear, ReLU), Linear). */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"linrelu.script.dat, 10, 6, '0,1'", "l1000_100_10.script.dat, 1000, 10, '0.0,0.1,1'"})
    void torchSharpSequentialsLoadRunAndImport(String file, long in, long out, String nodes) throws Exception {
        Path pt = real("torchsharp_torchscript_mlp", file);
        try (TorchScriptModel model = TorchScriptModel.load(pt); NDManager m = backend.newManager()) {
            NDArray x = randomInput(m, new Random(in), 4, in);
            NDArray y = model.forward(x);
            assertEquals(new Shape(4, out), y.getShape());

            float[] first = y.get(0).toFloatArray();
            int target = argMax(first);
            NDArray seed = oneHot(m, out, target, target, target, target);
            NDArray grad = model.inputGradient(x, seed);
            assertEquals(x.getShape(), grad.getShape());
            assertTrue(maxAbs(grad.toFloatArray()) > 0, "gradient is zero");

            // the archive's parameters as libtorch names them are the importer's node names + .weight/.bias
            Graph g = TorchScriptImporter.read(pt, new long[] {in});
            assertEquals(List.of(nodes.split(",")), g.nodes().stream().map(Node::name).toList());
            Set<String> kernels = g.nodes().stream().filter(n -> n.layer().hasKernel())
                    .flatMap(n -> java.util.stream.Stream.of(n.name() + ".weight", n.name() + ".bias"))
                    .collect(Collectors.toSet());
            assertEquals(kernels, model.parameterShapes().keySet());

            try (BoundGraph bound = new BoundGraph(g, backend)) {
                Activations acts = ForwardPass.run(bound, x);
                double forwardErr = maxAbsDiff(y.toFloatArray(), acts.output().toFloatArray());
                float[] reverse = ReversePass.toInput(bound, acts, seed, new GradientPropagation()).toFloatArray();
                double gradErr = maxAbsDiff(grad.toFloatArray(), reverse) / maxAbs(reverse);
                report(file, "graph forward vs libtorch (abs)", forwardErr);
                report(file, "graph reverse pass vs libtorch autograd (rel)", gradErr);
                assertTrue(forwardErr <= 1e-5, "forward differs by " + forwardErr);
                assertTrue(gradErr <= 1e-4, "gradient differs by " + gradErr);
            }
        }
    }

    @Test
    void identityModuleRunsOnLibtorchButHasNoLayersToImport() throws Exception {
        Path pt = real("djl_identity_torchscript", "identity.pt");
        ExplainException e = assertThrows(ExplainException.class,
                () -> TorchScriptImporter.read(pt, new long[] {5}));
        assertEquals(ExplainException.Kind.UNSUPPORTED_MODEL, e.kind());
        assertTrue(e.getMessage().contains("returns its input unchanged"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));

        try (TorchScriptModel model = TorchScriptModel.load(pt); NDManager m = backend.newManager()) {
            assertTrue(model.parameterShapes().isEmpty());
            NDArray x = randomInput(m, new Random(1), 2, 5);
            assertArrayEquals(x.toFloatArray(), model.forward(x).toFloatArray());
            NDArray seed = randomInput(m, new Random(2), 2, 5);
            // f(x) = x: the gradient of Σ seed·x is the seed
            assertArrayEquals(seed.toFloatArray(), model.inputGradient(x, seed).toFloatArray(), 0f);
        }
    }

    @Test
    void unsupportedOperationNamesTheCallAndModuleWhileAutogradStillWorks() throws Exception {
        // mlp.pt with its first ReLU module (layers.1, class ReLU) computing ELU instead: valid TorchScript that
        // libtorch compiles, but no graph layer exists for it
        Path mlp = TorchScriptFixtures.root().resolve("mlp").resolve("mlp.pt");
        Path elu = TinyTorchScript.copyEdited(mlp, dir.resolve("mlp_elu.pt"), entries -> {
            String key = "mlp/code/__torch__/torch/nn/modules/activation.py";
            String code = new String(entries.get(key), StandardCharsets.UTF_8);
            assertTrue(code.contains("torch.relu(argument_1)"));
            entries.put(key, code.replace("torch.relu(argument_1)", "torch.elu(argument_1)")
                    .getBytes(StandardCharsets.UTF_8));
            entries.remove(key + ".debug_pkl"); // its source ranges describe the old text
        });
        ExplainException e = assertThrows(ExplainException.class,
                () -> TorchScriptImporter.read(elu, new long[] {20}));
        assertEquals(ExplainException.Kind.UNSUPPORTED_MODEL, e.kind());
        assertTrue(e.getMessage().contains("torch.elu"), e.getMessage());
        assertTrue(e.getMessage().contains("'layers.1'"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));

        try (TorchScriptModel model = TorchScriptModel.load(elu); NDManager m = backend.newManager()) {
            NDArray x = TorchScriptFixtures.load(m, TorchScriptFixtures.root().resolve("mlp/x0/input.npy"));
            NDArray seed = oneHot(m, 3, 0);
            float[] grad = model.inputGradient(x, seed).toFloatArray();
            // central differences of f_0 in float32 agree with autograd to about 1e-3 of the gradient's scale
            float[] base = x.toFloatArray();
            double worst = 0;
            float h = 1e-2f;
            for (int i = 0; i < base.length; i++) {
                float[] plus = base.clone();
                float[] minus = base.clone();
                plus[i] += h;
                minus[i] -= h;
                float fp = model.forward(m.create(plus, x.getShape())).getFloat(0, 0);
                float fm = model.forward(m.create(minus, x.getShape())).getFloat(0, 0);
                worst = Math.max(worst, Math.abs((fp - fm) / (2 * h) - grad[i]));
            }
            double rel = worst / maxAbs(grad);
            report("mlp_elu", "autograd vs central differences (rel)", rel);
            assertTrue(rel < 1e-2, "autograd vs finite differences " + rel);
        }
    }

    @Test
    void parameterNamesOfFixtureModelsMatchTheImportedKernelNodes() throws Exception {
        Path pt = TorchScriptFixtures.root().resolve("small_vgg").resolve("small_vgg.pt");
        Graph g = TorchScriptImporter.read(pt, new long[] {3, 32, 32});
        try (TorchScriptModel model = TorchScriptModel.load(pt)) {
            for (Node n : g.nodes()) {
                if (n.layer() instanceof Layer.Conv c) {
                    assertArrayEquals(c.weight().shape(), model.parameterShapes().get(n.name() + ".weight"));
                } else if (n.layer() instanceof Layer.Dense d) {
                    assertArrayEquals(d.weight().shape(), model.parameterShapes().get(n.name() + ".weight"));
                }
            }
            assertEquals(12, model.parameterShapes().size());
        }
        assertEquals(List.of("features.0", "features.1", "features.2", "features.3", "features.4", "features.5",
                "features.6", "features.7", "features.8", "features.9", "classifier.0", "classifier.1",
                "classifier.2", "classifier.3", "classifier.4"), g.nodes().stream().map(Node::name).toList());
        assertEquals("Dropout", ((Layer.Identity) g.node("classifier.3").layer()).originalOp());
    }

    private static void report(String model, String what, double value) {
        System.out.println(String.format(Locale.ROOT, "AGREEMENT %-24s %-46s %.3e", model, what, value));
    }
}
