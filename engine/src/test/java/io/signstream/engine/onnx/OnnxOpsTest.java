package io.signstream.engine.onnx;

import static io.signstream.engine.onnx.TinyOnnx.floatAttr;
import static io.signstream.engine.onnx.TinyOnnx.intAttr;
import static io.signstream.engine.onnx.TinyOnnx.intsAttr;
import static io.signstream.engine.onnx.TinyOnnx.stringAttr;
import static io.signstream.engine.onnx.TinyOnnx.tensorAttr;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.backend.Backend;
import io.signstream.engine.backend.Backends;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.graph.ConstantOpKind;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Node;
import io.signstream.engine.onnx.proto.OnnxProto;
import java.util.List;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** One small hand-built model per op family: the graph it becomes and its forward values. */
class OnnxOpsTest {

    private static final float EPS = 1e-5f;
    private static Backend backend;

    @BeforeAll
    static void open() {
        backend = Backends.open(EngineKind.PYTORCH);
    }

    @AfterAll
    static void close() {
        backend.close();
    }

    @Test
    void matMulThenAddBecomesADenseWithItsBias() throws ExplainException {
        Graph g = OnnxImporter.read(new TinyOnnx().input("x", -1, 2).output("y")
                .floats("W", new long[] {2, 3}, 1, 2, 3, 4, 5, 6).floats("c", new long[] {3}, 0.5f, -1, 2)
                .node("MatMul", "/fc/MatMul", List.of("x", "W"), "h")
                .node("Add", "/fc/Add", List.of("h", "c"), "y").bytes(), "matmul");

        // PyTorch's Linear on (N, …, C) exports as MatMul + Add; the bias goes back into the layer (GraphFusion),
        // so that LRP rules see it as the Linear's bias, as in the TorchScript trace
        assertEquals(List.of("fc"), names(g));
        Layer.Dense d = assertInstanceOf(Layer.Dense.class, g.node("fc").layer());
        assertArrayEquals(new long[] {3, 2}, d.weight().shape());
        assertArrayEquals(new float[] {0.5f, -1f, 2f}, d.bias().data());
        assertArrayEquals(new float[] {9.5f, 11f, 17f}, run(g, new float[] {1, 2}, 1, 2), EPS);
    }

    @Test
    void gemmFoldsAlphaAndBetaAndTransposesB() throws ExplainException {
        OnnxProto.Tensor c = OnnxProto.Tensor.newBuilder().setName("C").setDataType(11).addDims(1).addDims(3)
                .addDoubleData(1).addDoubleData(1).addDoubleData(1).build();
        OnnxProto.Model m = new TinyOnnx().input("x", -1, 2).output("y")
                .floatData("B", new long[] {2, 3}, 1, 2, 3, 4, 5, 6)
                .node("Gemm", "fc", List.of("x", "B", "C"), "y", floatAttr("alpha", 2f), floatAttr("beta", 0.5f))
                .model();
        byte[] bytes = m.toBuilder().setGraph(m.getGraph().toBuilder().addInitializer(c)).build().toByteArray();

        Graph g = OnnxImporter.read(bytes, "gemm");

        Layer.Dense d = assertInstanceOf(Layer.Dense.class, g.output().layer());
        assertArrayEquals(new long[] {3, 2}, d.weight().shape());
        assertArrayEquals(new float[] {18.5f, 24.5f, 30.5f}, run(g, new float[] {1, 2}, 1, 2), EPS);
    }

    @Test
    void constantOperandsInEitherOrderBecomeConstantOps() throws ExplainException {
        Graph g = OnnxImporter.read(new TinyOnnx().input("x", -1, 3).output("y")
                .floats("ten", new long[] {3}, 10, 10, 10).floats("two", new long[0], 2)
                .floats("three", new long[] {1, 3}, 3, 3, 3)
                .node("Sub", "sub", List.of("ten", "x"), "a")
                .node("Div", "div", List.of("a", "two"), "b")
                .node("Mul", "mul", List.of("three", "b"), "y").bytes(), "arith");

        Layer.ConstantOp sub = assertInstanceOf(Layer.ConstantOp.class, g.node("sub").layer());
        assertEquals(ConstantOpKind.SUB, sub.op());
        assertTrue(sub.constantFirst());
        assertArrayEquals(new float[] {13.5f, 12f, 9f}, run(g, new float[] {1, 2, 4}, 1, 3), EPS);
    }

    /** PyTorch's {@code x.view(x.size(0), -1)}: Shape → Gather → Unsqueeze → Concat → Reshape folds to Flatten. */
    @Test
    void pytorchFlattenChainFoldsIntoAFlatten() throws ExplainException {
        OnnxProto.Tensor zero = OnnxProto.Tensor.newBuilder().setName("zero").setDataType(7).addInt64Data(0).build();
        float[] ones = new float[6];
        java.util.Arrays.fill(ones, 1f);
        Graph g = OnnxImporter.read(new TinyOnnx().input("x", -1, 2, 3).output("y")
                .longs("axes", 0).floats("W", new long[] {1, 6}, ones)
                .node("Shape", "/Shape", List.of("x"), "s")
                .node("Constant", "/Constant", List.of(), "idx", tensorAttr("value", zero))
                .node("Gather", "/Gather", List.of("s", "idx"), "n", intAttr("axis", 0))
                .node("Unsqueeze", "/Unsqueeze", List.of("n", "axes"), "n1")
                .node("Constant", "/Constant_1", List.of(), "m", TinyOnnx.intsAttr("value_ints", -1))
                .node("Concat", "/Concat", List.of("n1", "m"), "shape", intAttr("axis", 0))
                .node("Reshape", "/Reshape", List.of("x", "shape"), "f")
                .node("Gemm", "/fc/Gemm", List.of("f", "W"), "y", intAttr("transB", 1)).bytes(), "chain");

        assertEquals(List.of("Reshape", "fc"), names(g));
        assertInstanceOf(Layer.Flatten.class, g.node("Reshape").layer());
        float[] x = new float[12];
        for (int i = 0; i < x.length; i++) {
            x[i] = i;
        }
        assertArrayEquals(new float[] {15, 51}, run(g, x, 2, 2, 3), EPS);
    }

    @ParameterizedTest
    @CsvSource({"SAME_UPPER, 0, 1", "SAME_LOWER, 1, 0", "VALID, 0, 0", "NOTSET, 1, 1"})
    void conv2dResolvesAutoPad(String autoPad, int begin, int end) throws ExplainException {
        float[] w = {1, 2, 3, 4};
        TinyOnnx model = new TinyOnnx().input("x", -1, 1, 5, 5).output("y").floats("w", new long[] {1, 1, 2, 2}, w);
        if (autoPad.equals("NOTSET")) {
            model.node("Conv", "conv", List.of("x", "w"), "y", intsAttr("strides", 2, 2), intsAttr("pads", 1, 1, 1, 1));
        } else {
            model.node("Conv", "conv", List.of("x", "w"), "y", intsAttr("strides", 2, 2),
                    stringAttr("auto_pad", autoPad));
        }
        Graph g = OnnxImporter.read(model.bytes(), "conv");

        Layer.Conv conv = assertInstanceOf(Layer.Conv.class, g.output().layer());
        assertArrayEquals(new int[] {begin, begin}, conv.spec().padBegin());
        assertArrayEquals(new int[] {end, end}, conv.spec().padEnd());
        float[] x = new float[25];
        for (int i = 0; i < x.length; i++) {
            x[i] = i + 1;
        }
        float[] expected = ReferenceOps.conv(x, new int[] {1, 5, 5}, w, new int[] {1, 1, 2, 2}, null,
                new int[] {2, 2}, new int[] {begin, begin}, new int[] {end, end}, new int[] {1, 1}, 1);
        assertArrayEquals(expected, run(g, x, 1, 1, 5, 5), EPS);
    }

    @Test
    void conv1dWithGroupsDilationAndBias() throws ExplainException {
        float[] w = {1, -1, 2, 0.5f, 0.5f, 0.5f, -2, 1, 0, 3, 1, -1};
        float[] b = {0.1f, -0.2f, 0.3f, 0};
        Graph g = OnnxImporter.read(new TinyOnnx().input("x", -1, 2, 8).output("y")
                .floats("w", new long[] {4, 1, 3}, w).floats("b", new long[] {4}, b)
                .node("Conv", "conv", List.of("x", "w", "b"), "y", intAttr("group", 2), intsAttr("dilations", 2),
                        intsAttr("pads", 2, 1), intsAttr("kernel_shape", 3)).bytes(), "conv1d");

        assertEquals("conv1d", g.output().layer().kind());
        float[] x = new float[16];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(i);
        }
        float[] expected = ReferenceOps.conv(x, new int[] {2, 1, 8}, w, new int[] {4, 1, 1, 3}, b,
                new int[] {1, 1}, new int[] {0, 2}, new int[] {0, 1}, new int[] {1, 2}, 2);
        assertArrayEquals(expected, run(g, x, 1, 2, 8), EPS);
    }

    @Test
    void padFromAnInitializerOrFromTheAttribute() throws ExplainException {
        float[] x = {1, 2, 3, 4};
        float[] expected = {0.5f, 0.5f, 0.5f, 0.5f, 1, 2, 0.5f, 0.5f, 3, 4, 0.5f, 0.5f};
        Graph opset13 = OnnxImporter.read(new TinyOnnx().input("x", -1, 1, 2, 2).output("y")
                .longs("pads", 0, 0, 1, 0, 0, 0, 0, 2).floats("v", new long[0], 0.5f)
                .node("Pad", "pad", List.of("x", "pads", "v"), "y").bytes(), "pad13");
        Graph opset2 = OnnxImporter.read(new TinyOnnx().opset(2).input("x", -1, 1, 2, 2).output("y")
                .node("Pad", "pad", List.of("x"), "y", intsAttr("pads", 0, 0, 1, 0, 0, 0, 0, 2),
                        floatAttr("value", 0.5f)).bytes(), "pad2");

        assertArrayEquals(expected, run(opset13, x, 1, 1, 2, 2), EPS);
        assertArrayEquals(expected, run(opset2, x, 1, 1, 2, 2), EPS);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void averagePoolCountsPaddingOnlyWhenAsked(int countIncludePad) throws ExplainException {
        Graph g = OnnxImporter.read(new TinyOnnx().input("x", -1, 1, 3, 3).output("y")
                .node("AveragePool", "pool", List.of("x"), "y", intsAttr("kernel_shape", 2, 2),
                        intsAttr("strides", 2, 2), intsAttr("pads", 1, 1, 1, 1),
                        intAttr("count_include_pad", countIncludePad)).bytes(), "avg");

        float[] y = run(g, new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3);

        float[] expected = countIncludePad == 1 ? new float[] {0.25f, 1.25f, 2.75f, 7f} : new float[] {1, 2.5f, 5.5f, 7};
        assertArrayEquals(expected, y, EPS);
    }

    @ParameterizedTest
    @CsvSource({"GlobalAveragePool, 2.5, -2.5", "GlobalMaxPool, 4, -1"})
    void globalPooling(String op, float first, float second) throws ExplainException {
        Graph g = OnnxImporter.read(new TinyOnnx().input("x", -1, 2, 2, 2).output("y")
                .node(op, "pool", List.of("x"), "p")
                .node("Flatten", "flat", List.of("p"), "y", intAttr("axis", 1)).bytes(), "global");

        assertArrayEquals(new float[] {first, second}, run(g, new float[] {1, 2, 3, 4, -1, -2, -3, -4}, 1, 2, 2, 2),
                EPS);
    }

    @Test
    void batchNormalizationInInferenceMode() throws ExplainException {
        Graph g = OnnxImporter.read(new TinyOnnx().input("x", -1, 2).output("y")
                .floats("scale", new long[] {2}, 2, 1).floats("bias", new long[] {2}, 0, 1)
                .floats("mean", new long[] {2}, 1, 0).floats("var", new long[] {2}, 4, 1)
                .node("BatchNormalization", "bn", List.of("x", "scale", "bias", "mean", "var"), "y",
                        floatAttr("epsilon", 0f)).bytes(), "bn");

        assertInstanceOf(Layer.BatchNorm.class, g.output().layer());
        assertArrayEquals(new float[] {2, 4}, run(g, new float[] {3, 3}, 1, 2), EPS);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Relu", "LeakyRelu", "Sigmoid", "Tanh"})
    void activations(String op) throws ExplainException {
        Graph g = OnnxImporter.read(new TinyOnnx().input("x", -1, 3).output("y")
                .node(op, "act", List.of("x"), "y", floatAttr("alpha", 0.1f)).bytes(), op);
        DoubleUnaryOperator f = switch (op) {
            case "Relu" -> v -> Math.max(v, 0);
            case "LeakyRelu" -> v -> v > 0 ? v : 0.1 * v;
            case "Sigmoid" -> v -> 1 / (1 + Math.exp(-v));
            default -> Math::tanh;
        };
        float[] x = {-2, 0, 3};
        float[] expected = new float[3];
        for (int i = 0; i < 3; i++) {
            expected[i] = (float) f.applyAsDouble(x[i]);
        }
        assertArrayEquals(expected, run(g, x, 1, 3), EPS);
    }

    @Test
    void concatTransposeAndResidualAdd() throws ExplainException {
        Graph g = OnnxImporter.read(new TinyOnnx().input("x", -1, 2, 3).output("y")
                .floats("minus", new long[0], -1)
                .node("Relu", "relu", List.of("x"), "a")
                .node("Mul", "neg", List.of("x", "minus"), "b")
                .node("Concat", "cat", List.of("a", "b"), "c", intAttr("axis", -2))
                .node("Transpose", "tr", List.of("c"), "t", intsAttr("perm", 0, 2, 1))
                .node("Add", "res", List.of("t", "t"), "s")
                .node("Flatten", "flat", List.of("s"), "y").bytes(), "cat");

        assertInstanceOf(Layer.Concat.class, g.node("cat").layer());
        assertEquals(1, ((Layer.Concat) g.node("cat").layer()).axis());
        assertInstanceOf(Layer.Add.class, g.node("res").layer());
        float[] x = {1, -2, 3, -4, 5, -6};
        // c = [[1,0,3],[0,5,0],[-1,2,-3],[4,-5,6]] (4x3); t = c^T (3x4); y = 2t.
        float[] expected = {2, 0, -2, 8, 0, 10, 4, -10, 6, 0, -6, 12};
        assertArrayEquals(expected, run(g, x, 1, 2, 3), EPS);
    }

    /**
     * nn.MultiheadAttention's export at batch 1: the batch axis transposed away, merged with the heads by a reshape
     * that bakes in batch 1, and brought back. The graph runs it per sample, so a batch of two gives each sample its
     * own result: y[n, l, e] = x[n, l, e]·c[e mod 2].
     */
    @Test
    void transposeThatMovesTheBatchOfABatchOneExportRunsPerSample() throws ExplainException {
        Graph g = OnnxImporter.read(new TinyOnnx().input("x", 1, 2, 4).output("y")
                .longs("heads", 2, 2, 2).longs("back", 2, 1, 4)
                .floats("c", new long[] {2}, 1, 10)
                .node("Transpose", "seq_first", List.of("x"), "t", intsAttr("perm", 1, 0, 2))
                .node("Reshape", "split_heads", List.of("t", "heads"), "h")
                .node("Transpose", "heads_first", List.of("h"), "hf", intsAttr("perm", 1, 0, 2))
                .node("Mul", "scale", List.of("hf", "c"), "s")
                .node("Transpose", "seq_first_again", List.of("s"), "sf", intsAttr("perm", 1, 0, 2))
                .node("Reshape", "merge_heads", List.of("sf", "back"), "m")
                .node("Transpose", "batch_first", List.of("m"), "b", intsAttr("perm", 1, 0, 2))
                .node("Flatten", "flat", List.of("b"), "y").bytes(), "seq_first");

        float[] x = new float[16];
        float[] expected = new float[16];
        for (int i = 0; i < 16; i++) {
            x[i] = i + 1;
            expected[i] = x[i] * (i % 2 == 0 ? 1 : 10);
        }
        assertArrayEquals(expected, run(g, x, 2, 2, 4), EPS);
        assertArrayEquals(java.util.Arrays.copyOf(expected, 8), run(g, java.util.Arrays.copyOf(x, 8), 1, 2, 4), EPS);
    }

    @Test
    void transposeThatMovesTheBatchOfALargerFixedBatchIsRefused() {
        ExplainException e = org.junit.jupiter.api.Assertions.assertThrows(ExplainException.class,
                () -> OnnxImporter.read(new TinyOnnx().input("x", 3, 2, 4).output("y")
                        .node("Transpose", "seq_first", List.of("x"), "t", intsAttr("perm", 1, 0, 2))
                        .node("Flatten", "flat", List.of("t"), "y").bytes(), "fixed3"));
        assertTrue(e.getMessage().contains("'seq_first'") && e.getMessage().contains("fixed batch of 3"),
                e.getMessage());
    }

    /** ViT's class token x[:, 0] (Gather of one index) and a Slice along the last axis of computed tensors. */
    @Test
    void gatherOfOneIndexAndSliceOfComputedTensors() throws ExplainException {
        Graph g = OnnxImporter.read(new TinyOnnx().input("x", -1, 3, 4).output("y")
                .longs("starts", 1).longs("ends", 3).longs("axes", -1)
                .node("Slice", "cols", List.of("x", "starts", "ends", "axes"), "s")
                .node("Gather", "token", List.of("s", "zero"), "y", intAttr("axis", 1))
                .bytesWithScalar("zero", 0), "gather");

        float[] x = new float[24];
        for (int i = 0; i < 24; i++) {
            x[i] = i;
        }
        assertArrayEquals(new float[] {1, 2, 13, 14}, run(g, x, 2, 3, 4), EPS);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Softmax", "LogSoftmax"})
    void trailingSoftmaxIsRemoved(String op) throws ExplainException {
        Graph g = OnnxImporter.read(new TinyOnnx().input("x", -1, 2).output("y")
                .floats("W", new long[] {2, 2}, 1, 0, 0, 1)
                .node("Gemm", "fc", List.of("x", "W"), "logits", intAttr("transB", 1))
                .node(op, "sm", List.of("logits"), "y", intAttr("axis", -1)).bytes(), "softmax");

        assertEquals(List.of("fc"), names(g));
        assertArrayEquals(new float[] {3, -7}, run(g, new float[] {3, -7}, 1, 2), EPS);
    }

    @Test
    void dropoutAndIdentityStayAsIdentityNodes() throws ExplainException {
        Graph g = OnnxImporter.read(new TinyOnnx().input("x", -1, 2).output("y")
                .node("Dropout", "/drop/Dropout", List.of("x"), List.of("d", "mask"))
                .node("Identity", "/id/Identity", List.of("d"), "y").bytes(), "drop");

        assertEquals(List.of("drop", "id"), names(g));
        assertEquals("Dropout", ((Layer.Identity) g.node("drop").layer()).originalOp());
        assertArrayEquals(new float[] {1, 2}, run(g, new float[] {1, 2}, 1, 2), EPS);
    }

    @Test
    void constantNodeAsWeightAndUnsqueezeSqueezeOnTensors() throws ExplainException {
        OnnxProto.Tensor w = TinyOnnx.floatTensor("", new long[] {1, 3}, 1, 2, 3);
        Graph g = OnnxImporter.read(new TinyOnnx().opset(11).input("x", -1, 3).output("y")
                .node("Unsqueeze", "up", List.of("x"), "u", intsAttr("axes", 2))
                .node("Squeeze", "down", List.of("u"), "s", intsAttr("axes", -1))
                .node("Constant", "c", List.of(), "w", tensorAttr("value", w))
                .node("Gemm", "fc", List.of("s", "w"), "y", intAttr("transB", 1)).bytes(), "const");

        assertEquals(List.of("up", "down", "fc"), names(g));
        assertInstanceOf(Layer.Reshape.class, g.node("up").layer());
        assertArrayEquals(new float[] {14}, run(g, new float[] {1, 2, 3}, 1, 3), EPS);
    }

    @Test
    void namesAreUniqueAndDeterministic() throws ExplainException {
        Graph g = OnnxImporter.read(new TinyOnnx().input("x", -1, 2).output("y")
                .node("Relu", "x", List.of("x"), "a")
                .node("Relu", "dup", List.of("a"), "b")
                .node("Relu", "dup", List.of("b"), "c")
                .node("Relu", "", List.of("c"), "y").bytes(), "names");

        assertEquals(List.of("x_2", "dup/Relu", "dup", "y"), names(g));
        assertEquals(List.of("dup"), g.output().inputs());
    }

    private static float[] run(Graph g, float[] x, long... shape) {
        return OnnxForward.run(backend, g, x, shape);
    }

    private static List<String> names(Graph g) {
        return g.nodes().stream().map(Node::name).toList();
    }
}
