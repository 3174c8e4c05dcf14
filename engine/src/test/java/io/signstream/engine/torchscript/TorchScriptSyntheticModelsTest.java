package io.signstream.engine.torchscript;

import static io.signstream.engine.torchscript.TorchScriptFixtures.maxAbs;
import static io.signstream.engine.torchscript.TorchScriptFixtures.maxAbsDiff;
import static io.signstream.engine.torchscript.TorchScriptFixtures.oneHot;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
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
import io.signstream.engine.torchscript.TinyTorchScript.Module;
import io.signstream.engine.torchscript.TinyTorchScript.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Operations the fixture models do not use, on small TorchScript archives written by {@link TinyTorchScript}:
 * libtorch compiles and runs them ({@link TorchScriptModel}), which makes it the reference for the imported graph's
 * forward pass and its gradient (reverse pass) — batch norm, grouped and dilated convolution, LeakyReLU, Tanh,
 * Sigmoid, average and adaptive pooling, max pooling with padding, {@code view} with the traced batch size,
 * {@code addmm}, a residual add, {@code cat}, dropout, a pass-through module and a final softmax.
 */
// libtorch's autograd is this test's reference: it runs capped at AVX (engine/pom.xml, "libtorch-autograd")
@Tag("libtorch-autograd")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TorchScriptSyntheticModelsTest {

    private static final String P = "__torch__.synth.";

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

    // ------------------------------------------------------------------ model 1: 2-D CNN with batch norm

    private static String cnnCode(boolean softmax) {
        List<String> out = new ArrayList<>();
        out.add(cls("Net", new String[0], new String[0], new String[][] {{"features", "Features"}, {"head", "Head"}}, "x",
                "head = self.head",
                "features = self.features",
                "_0 = (head).forward((features).forward(x, ), )",
                softmax ? "return torch.softmax(_0, 1, None)" : "return _0"));
        out.add(cls("Features", new String[0], new String[0], new String[][] {{"0", "Conv"}, {"1", "BN"},
            {"2", "Leaky"}, {"3", "GroupConv"}, {"4", "Tanh"}, {"5", "AvgPool"}}, "x",
                "_5 = getattr(self, \"5\")", "_4 = getattr(self, \"4\")", "_3 = getattr(self, \"3\")",
                "_2 = getattr(self, \"2\")", "_1 = getattr(self, \"1\")", "_0 = getattr(self, \"0\")",
                "_6 = (_2).forward((_1).forward((_0).forward(x, ), ), )",
                "_7 = (_5).forward((_4).forward((_3).forward(_6, ), ), )",
                "return _7"));
        out.add(cls("Conv", new String[] {"weight", "bias"}, new String[0], new String[0][], "argument_1",
                "bias = self.bias", "weight = self.weight",
                "input = torch._convolution(argument_1, weight, bias, [2, 2], [1, 1], [1, 1], False, [0, 0], 1,"
                        + " False, False, True, True)",
                "return input"));
        out.add(cls("BN", new String[] {"weight", "bias"}, new String[] {"running_mean", "running_var"},
                new String[0][], "argument_1",
                "running_var = self.running_var", "running_mean = self.running_mean", "bias = self.bias",
                "weight = self.weight",
                "input = torch.batch_norm(argument_1, weight, bias, running_mean, running_var, False,"
                        + " 0.10000000000000001, 1.0000000000000001e-05, True)",
                "return input"));
        out.add(cls("Leaky", new String[0], new String[0], new String[0][], "argument_1",
                "return torch.leaky_relu(argument_1, 0.10000000000000001)"));
        out.add(cls("GroupConv", new String[] {"weight", "bias"}, new String[0], new String[0][], "argument_1",
                "bias = self.bias", "weight = self.weight",
                "input = torch._convolution(argument_1, weight, bias, [1, 1], [2, 2], [2, 2], False, [0, 0], 2,"
                        + " False, False, True, True)",
                "return input"));
        out.add(cls("Tanh", new String[0], new String[0], new String[0][], "argument_1",
                "return torch.tanh(argument_1)"));
        out.add(cls("AvgPool", new String[0], new String[0], new String[0][], "argument_1",
                "input = torch.avg_pool2d(argument_1, [2, 2], [2, 2], [0, 0], False, True, None)",
                "return input"));
        out.add(cls("Head", new String[0], new String[0], new String[][] {{"drop", "Dropout"}, {"fc", "Linear"}},
                "argument_1",
                "fc = self.fc", "drop = self.drop",
                "_0 = ops.prim.NumToTensor(torch.size(argument_1, 0))",
                "input = torch.view(argument_1, [int(_0), -1])",
                "_1 = torch.sigmoid((fc).forward((drop).forward(input, ), ))",
                "return torch.mul(_1, 2.)"));
        out.add(cls("Dropout", new String[0], new String[0], new String[0][], "argument_1",
                "input = torch.dropout(argument_1, 0.5, False)", "return input"));
        out.add(cls("Linear", new String[] {"weight", "bias"}, new String[0], new String[0][], "argument_1",
                "bias = self.bias", "weight = self.weight", "return torch.linear(argument_1, weight, bias)"));
        return String.join("", out);
    }

    private static Module cnnModules(Random r) {
        Module features = new Module(P + "Features")
                .put("0", new Module(P + "Conv").put("weight", Tensor.random(r, 0.3f, 4, 3, 3, 3))
                        .put("bias", Tensor.random(r, 0.1f, 4)))
                .put("1", new Module(P + "BN").put("weight", Tensor.positive(r, 4))
                        .put("bias", Tensor.random(r, 0.2f, 4)).buffer("running_mean", Tensor.random(r, 0.2f, 4))
                        .buffer("running_var", Tensor.positive(r, 4)))
                .put("2", new Module(P + "Leaky"))
                .put("3", new Module(P + "GroupConv").put("weight", Tensor.random(r, 0.4f, 4, 2, 3, 3))
                        .put("bias", Tensor.random(r, 0.1f, 4)))
                .put("4", new Module(P + "Tanh"))
                .put("5", new Module(P + "AvgPool"));
        Module head = new Module(P + "Head").put("drop", new Module(P + "Dropout"))
                .put("fc", new Module(P + "Linear").put("weight", Tensor.random(r, 0.3f, 5, 36))
                        .put("bias", Tensor.random(r, 0.1f, 5)));
        return new Module(P + "Net").put("features", features).put("head", head);
    }

    @Test
    void cnnWithBatchNormGroupsAndAveragePooling() throws Exception {
        Module root = cnnModules(new Random(7));
        Path plain = TinyTorchScript.write(dir.resolve("cnn.pt"), "cnn", Map.of("__torch__/synth.py", cnnCode(false)),
                root);
        Graph g = compareWithLibtorch(plain, new long[] {3, 12, 12}, 5, "cnn");
        assertEquals(List.of("features.0", "features.1", "features.2", "features.3", "features.4", "features.5",
                "head.view", "head.drop", "head.fc", "head.sigmoid", "head.mul"), names(g));
        assertInstanceOf(Layer.BatchNorm.class, g.node("features.1").layer());
        Layer.Conv grouped = (Layer.Conv) g.node("features.3").layer();
        assertEquals(2, grouped.spec().groups());
        assertArrayEquals(new int[] {2, 2}, grouped.spec().dilations());
        assertEquals(0.1f, ((Layer.Activation) g.node("features.2").layer()).alpha(), 1e-7f);
        assertInstanceOf(Layer.Flatten.class, g.node("head.view").layer());
        assertInstanceOf(Layer.Identity.class, g.node("head.drop").layer());

        // the same model ending in a softmax: libtorch gives probabilities, the graph keeps the logits
        Path soft = TinyTorchScript.write(dir.resolve("cnn_softmax.pt"), "cnn_softmax",
                Map.of("__torch__/synth.py", cnnCode(true)), root);
        Graph gs = TorchScriptImporter.read(soft, new long[] {3, 12, 12});
        assertEquals("head.mul", gs.output().name());
        try (TorchScriptModel model = TorchScriptModel.load(soft); BoundGraph bound = new BoundGraph(gs, backend);
                NDManager m = backend.newManager()) {
            NDArray x = randomInput(m, new Random(3), 3, 3, 12, 12);
            NDArray probabilities = model.forward(x);
            NDArray fromGraph = ForwardPass.run(bound, x).output().softmax(1);
            double err = maxAbsDiff(probabilities.toFloatArray(), fromGraph.toFloatArray());
            report("cnn_softmax", "softmax(graph logits) vs libtorch", err);
            assertTrue(err < 1e-5, "softmax of the graph output differs by " + err);
        }
    }

    // ------------------------------------------------------------------ model 2: 1-D sequence model

    private static String seqCode() {
        List<String> out = new ArrayList<>();
        String[][] children = new String[9][];
        String[] types = {"Conv1", "BN1", "ReluInPlace", "MaxPadded", "Avg1", "Adaptive1", "Ident", "Flat", "Addmm"};
        List<String> body = new ArrayList<>();
        for (int i = 0; i < types.length; i++) {
            children[i] = new String[] {Integer.toString(i), types[i]};
            body.add("_" + i + " = getattr(self, \"" + i + "\")");
        }
        String expr = "x";
        for (int i = 0; i < types.length; i++) {
            expr = "(_" + i + ").forward(" + expr + ", )";
        }
        body.add("return " + expr);
        out.add(cls("Seq", new String[0], new String[0], children, "x", body.toArray(new String[0])));
        out.add(cls("Conv1", new String[] {"weight", "bias"}, new String[0], new String[0][], "input",
                "bias = self.bias", "weight = self.weight",
                "_0 = torch.conv1d(input, weight, bias, [1], [2], [1], 1)", "return _0"));
        out.add(cls("BN1", new String[] {"weight", "bias"}, new String[] {"running_mean", "running_var"},
                new String[0][], "argument_1",
                "running_var = self.running_var", "running_mean = self.running_mean", "bias = self.bias",
                "weight = self.weight",
                "return torch.batch_norm(argument_1, weight, bias, running_mean, running_var, False, 0.1,"
                        + " 0.001, True)"));
        out.add(cls("ReluInPlace", new String[0], new String[0], new String[0][], "argument_1",
                "_0 = torch.relu_(argument_1)", "return argument_1"));
        out.add(cls("MaxPadded", new String[0], new String[0], new String[0][], "argument_1",
                "return torch.max_pool1d(argument_1, [3], [2], [1], [1], False)"));
        out.add(cls("Avg1", new String[0], new String[0], new String[0][], "argument_1",
                "return torch.avg_pool1d(argument_1, [2], [2], [0], False, True)"));
        out.add(cls("Adaptive1", new String[0], new String[0], new String[0][], "argument_1",
                "return torch.adaptive_avg_pool1d(argument_1, [2])"));
        out.add(cls("Ident", new String[0], new String[0], new String[0][], "argument_1", "return argument_1"));
        out.add(cls("Flat", new String[0], new String[0], new String[0][], "argument_1",
                "return torch.flatten(argument_1, 1)"));
        out.add(cls("Addmm", new String[] {"weight", "bias"}, new String[0], new String[0][], "argument_1",
                "bias = self.bias", "weight = self.weight",
                "return torch.addmm(bias, argument_1, torch.t(weight), beta=1, alpha=1)"));
        return String.join("", out);
    }

    @Test
    void sequenceModelWithScriptedStyleCallsAndPassThroughModule() throws Exception {
        Random r = new Random(11);
        Module root = new Module(P + "Seq")
                .put("0", new Module(P + "Conv1").put("weight", Tensor.random(r, 0.4f, 3, 2, 5))
                        .put("bias", Tensor.random(r, 0.1f, 3)))
                .put("1", new Module(P + "BN1").put("weight", Tensor.positive(r, 3))
                        .put("bias", Tensor.random(r, 0.2f, 3)).buffer("running_mean", Tensor.random(r, 0.2f, 3))
                        .buffer("running_var", Tensor.positive(r, 3)))
                .put("2", new Module(P + "ReluInPlace"))
                .put("3", new Module(P + "MaxPadded"))
                .put("4", new Module(P + "Avg1"))
                .put("5", new Module(P + "Adaptive1"))
                .put("6", new Module(P + "Ident"))
                .put("7", new Module(P + "Flat"))
                .put("8", new Module(P + "Addmm").put("weight", Tensor.random(r, 0.5f, 4, 6))
                        .put("bias", Tensor.random(r, 0.1f, 4)));
        Path pt = TinyTorchScript.write(dir.resolve("seq.pt"), "seq", Map.of("__torch__/synth.py", seqCode()), root);
        Graph g = compareWithLibtorch(pt, new long[] {2, 16}, 4, "seq1d");
        assertEquals(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8"), names(g));
        assertEquals("conv1d", g.node("0").layer().kind());
        assertEquals(0.001f, ((Layer.BatchNorm) g.node("1").layer()).epsilon(), 1e-9f);
        assertEquals("relu", g.node("2").layer().kind());
        assertArrayEquals(new int[] {1}, ((Layer.MaxPool) g.node("3").layer()).spec().padBegin());
        assertArrayEquals(new int[] {2}, ((Layer.AvgPool) g.node("5").layer()).spec().kernel());
        assertInstanceOf(Layer.Identity.class, g.node("6").layer());
        assertInstanceOf(Layer.Dense.class, g.node("8").layer());
        assertEquals(io.signstream.engine.graph.TensorLayout.NCT, g.layout());
    }

    // ------------------------------------------------------------------ model 3: residual block written inline

    private static String residualCode() {
        return cls("Res", new String[0], new String[0],
                new String[][] {{"conv1", "ConvA"}, {"conv2", "ConvB"}, {"fc", "Fc"}}, "x",
                "fc = self.fc", "conv2 = self.conv2", "conv1 = self.conv1",
                "_0 = torch.relu((conv1).forward(x, ))",
                "_1 = (conv2).forward(_0, )",
                "_2 = torch.relu(torch.add(_1, _0, alpha=1))",
                "_3 = torch.cat([_2, _0], 1)",
                "_4 = torch.adaptive_avg_pool2d(_3, [1, 1])",
                "_5 = torch.flatten(_4, 1)",
                "return (fc).forward(_5, )")
                + cls("ConvA", new String[] {"weight", "bias"}, new String[0], new String[0][], "input",
                        "bias = self.bias", "weight = self.weight",
                        "return torch.conv2d(input, weight, bias, [1, 1], [1, 1], [1, 1], 1)")
                + cls("ConvB", new String[] {"weight"}, new String[0], new String[0][], "input",
                        "weight = self.weight",
                        "return torch.conv2d(input, weight, None, [1, 1], \"same\", [1, 1], 1)")
                + cls("Fc", new String[] {"weight", "bias"}, new String[0], new String[0][], "input",
                        "bias = self.bias", "weight = self.weight",
                        "return torch.linear(input, weight, bias)");
    }

    @Test
    void residualBlockWithInlineOperations() throws Exception {
        Random r = new Random(5);
        Module root = new Module(P + "Res")
                .put("conv1", new Module(P + "ConvA").put("weight", Tensor.random(r, 0.4f, 4, 3, 3, 3))
                        .put("bias", Tensor.random(r, 0.1f, 4)))
                .put("conv2", new Module(P + "ConvB").put("weight", Tensor.random(r, 0.3f, 4, 4, 3, 3)))
                .put("fc", new Module(P + "Fc").put("weight", Tensor.random(r, 0.5f, 3, 8))
                        .put("bias", Tensor.random(r, 0.1f, 3)));
        Path pt = TinyTorchScript.write(dir.resolve("res.pt"), "res", Map.of("__torch__/synth.py", residualCode()),
                root);
        Graph g = compareWithLibtorch(pt, new long[] {3, 8, 8}, 3, "residual");
        assertEquals(List.of("conv1", "relu", "conv2", "add", "relu_1", "cat", "adaptive_avg_pool2d", "flatten", "fc"),
                names(g));
        assertEquals(List.of("conv2", "relu"), g.node("add").inputs());
        assertEquals(List.of("relu_1", "relu"), g.node("cat").inputs());
        assertInstanceOf(Layer.GlobalPool.class, g.node("adaptive_avg_pool2d").layer());
        assertEquals(null, ((Layer.Conv) g.node("conv2").layer()).bias());
    }

    // ------------------------------------------------------------------ shared checks

    /** Imports {@code pt}, runs it through libtorch and the graph on a random batch, compares outputs and gradients. */
    private Graph compareWithLibtorch(Path pt, long[] sample, int classes, String label) throws Exception {
        Graph g = TorchScriptImporter.read(pt, sample);
        long[] shape = new long[sample.length + 1];
        shape[0] = 3;
        System.arraycopy(sample, 0, shape, 1, sample.length);
        try (TorchScriptModel model = TorchScriptModel.load(pt); BoundGraph bound = new BoundGraph(g, backend);
                NDManager m = backend.newManager()) {
            NDArray x = randomInput(m, new Random(label.hashCode()), shape);
            NDArray ref = model.forward(x);
            Activations acts = ForwardPass.run(bound, x);
            assertEquals(new Shape(3, classes), ref.getShape());
            double forwardErr = maxAbsDiff(ref.toFloatArray(), acts.output().toFloatArray());
            report(label, "graph forward vs libtorch (abs)", forwardErr);
            assertTrue(forwardErr <= 1e-5, label + ": forward differs by " + forwardErr);

            NDArray seed = oneHot(m, classes, 0, classes - 1, 1);
            float[] autograd = model.inputGradient(x, seed).toFloatArray();
            float[] reverse = ReversePass.toInput(bound, acts, seed, new GradientPropagation()).toFloatArray();
            double gradErr = maxAbsDiff(autograd, reverse) / maxAbs(autograd);
            report(label, "graph reverse pass vs libtorch autograd (rel)", gradErr);
            assertTrue(maxAbs(autograd) > 0, label + ": zero gradient");
            assertTrue(gradErr <= 1e-4, label + ": gradients differ by " + gradErr + " (relative)");
        }
        return g;
    }

    static NDArray randomInput(NDManager m, Random r, long... shape) {
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return m.create(v, new Shape(shape));
    }

    private static List<String> names(Graph g) {
        return g.nodes().stream().map(Node::name).toList();
    }

    /** One class in torch.jit.save's printed form. children: {attribute, class}; numeric names are annotations. */
    static String cls(String name, String[] params, String[] buffers, String[][] children, String arg,
            String... body) {
        StringBuilder s = new StringBuilder("class ").append(name).append("(Module):\n");
        s.append("  __parameters__ = [").append(quoted(params)).append("]\n");
        s.append("  __buffers__ = [").append(quoted(buffers)).append("]\n");
        for (String p : params) {
            s.append("  ").append(p).append(" : Tensor\n");
        }
        for (String b : buffers) {
            s.append("  ").append(b).append(" : Tensor\n");
        }
        s.append("  training : bool\n");
        for (String[] c : children) {
            if (Character.isDigit(c[0].charAt(0))) {
                s.append("  __annotations__[\"").append(c[0]).append("\"] = ").append(P).append(c[1]).append('\n');
            } else {
                s.append("  ").append(c[0]).append(" : ").append(P).append(c[1]).append('\n');
            }
        }
        s.append("  def forward(self: ").append(P).append(name).append(",\n    ").append(arg)
                .append(": Tensor) -> Tensor:\n");
        for (String line : body) {
            s.append("    ").append(line).append('\n');
        }
        return s.toString();
    }

    private static String quoted(String[] names) {
        StringBuilder s = new StringBuilder();
        for (String n : names) {
            s.append('"').append(n).append("\", ");
        }
        return s.toString();
    }

    private static void report(String model, String what, double value) {
        System.out.println(String.format(Locale.ROOT, "AGREEMENT %-14s %-48s %.3e", model, what, value));
    }
}
