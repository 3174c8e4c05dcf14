package io.signstream.engine.onnx;

import static io.signstream.engine.onnx.OnnxExportTesting.assertSameGraph;
import static io.signstream.engine.onnx.OnnxExportTesting.logits;
import static io.signstream.engine.onnx.OnnxExportTesting.map;
import static io.signstream.engine.onnx.OnnxExportTesting.maxAbs;
import static io.signstream.engine.onnx.OnnxExportTesting.maxAbsDiff;
import static io.signstream.engine.onnx.OnnxExportTesting.normal;
import static io.signstream.engine.onnx.OnnxExportTesting.permute;
import static io.signstream.engine.onnx.OnnxExportTesting.weights;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.backend.Backend;
import io.signstream.engine.backend.Backends;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.graph.ActivationKind;
import io.signstream.engine.graph.ConstantOpKind;
import io.signstream.engine.graph.ConvSpec;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Node;
import io.signstream.engine.graph.PoolSpec;
import io.signstream.engine.graph.TensorLayout;
import io.signstream.engine.graph.Weights;
import io.signstream.engine.npy.NpyArray;
import io.signstream.engine.onnx.proto.OnnxProto;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hand-built graphs that use every {@link Layer} type (and every variant the ONNX translation distinguishes:
 * grouped dilated and asymmetrically padded convolution, both pool paddings, constant-first Sub, a node named
 * "logits" that is not the output, ...) survive export and re-import with the same nodes, logits and maps on both
 * engines; a channels-last graph can keep or transpose its input; graphs the importer could not read back are
 * refused with the node's name.
 */
class OnnxExportLayersTest {

    private static final double TOLERANCE = 1e-6;
    private static final Map<EngineKind, Backend> BACKENDS = new EnumMap<>(EngineKind.class);

    @TempDir
    Path tmp;

    @BeforeAll
    static void open() {
        for (EngineKind k : EngineKind.values()) {
            BACKENDS.put(k, Backends.open(k));
        }
    }

    @AfterAll
    static void close() {
        BACKENDS.values().forEach(Backend::close);
    }

    /** Every Layer type, 2-D: input (2, 8, 8), NCHW. */
    static Graph everyLayer2d() {
        Weights perChannel = new Weights(new float[] {0.5f, -1.5f, 2f, 0.75f}, new long[] {4, 1, 1});
        Weights positive = new Weights(new float[] {0.5f, 1.5f, 2f, 0.75f}, new long[] {4});
        return new Graph("every_layer", "pixels", new long[] {2, 8, 8}, TensorLayout.NCHW, List.of(
                new Node("pad", new Layer.Pad(new long[] {0, 0, 1, 1, 0, 0, 1, 1}, 0.5f), "pixels"),
                new Node("conv", new Layer.Conv(weights(1, 4, 1, 3, 3), weights(2, 4),
                        new ConvSpec(new int[] {1, 1}, new int[] {2, 2}, new int[] {2, 2}, new int[] {2, 2}, 2)),
                        "pad"),
                new Node("bn", new Layer.BatchNorm(weights(3, 4), weights(4, 4), weights(5, 4), positive, 1e-3f),
                        "conv"),
                new Node("leaky", new Layer.Activation(ActivationKind.LEAKY_RELU, 0.1f), "bn"),
                new Node("maxpool", new Layer.MaxPool(PoolSpec.square(2, 2)), "leaky"),
                new Node("avgpool", new Layer.AvgPool(new PoolSpec(new int[] {3, 3}, new int[] {1, 1},
                        new int[] {1, 1}, new int[] {1, 1}), false), "maxpool"),
                new Node("dropout", new Layer.Identity("Dropout"), "avgpool"),
                new Node("scale", new Layer.ConstantOp(ConstantOpKind.MUL, perChannel, true), "dropout"),
                new Node("flip", new Layer.ConstantOp(ConstantOpKind.SUB,
                        new Weights(new float[] {0.25f}, new long[] {1}), true), "scale"),
                new Node("half", new Layer.ConstantOp(ConstantOpKind.DIV,
                        new Weights(new float[] {2f}, new long[] {1}), false), "flip"),
                new Node("offset", new Layer.ConstantOp(ConstantOpKind.ADD, weights(6, 5), false), "half"),
                new Node("sig", Layer.Activation.of(ActivationKind.SIGMOID), "offset"),
                new Node("tanh", Layer.Activation.of(ActivationKind.TANH), "offset"),
                new Node("sum", new Layer.Add(), List.of("sig", "tanh")),
                new Node("relu", Layer.Activation.of(ActivationKind.RELU), "offset"),
                new Node("cat", new Layer.Concat(1), List.of("sum", "relu")),
                new Node("conv2", new Layer.Conv(weights(7, 6, 8, 2, 2), null,
                        new ConvSpec(new int[] {2, 2}, new int[] {0, 1}, new int[] {1, 0}, new int[] {1, 1}, 1)),
                        "cat"),
                new Node("gmax", new Layer.GlobalPool(true), "conv2"),
                new Node("gavg", new Layer.GlobalPool(false), "conv2"),
                new Node("cat2", new Layer.Concat(1), List.of("gmax", "gavg")),
                new Node("perm", new Layer.Transpose(new int[] {0, 2, 3, 1}), "cat2"),
                new Node("reshape", new Layer.Reshape(new long[] {0, 3, -1}), "perm"),
                new Node("flatten", new Layer.Flatten(1), "reshape"),
                new Node("logits", new Layer.Dense(weights(8, 5, 12), weights(9, 5)), "flatten"),
                new Node("out", new Layer.Dense(weights(10, 3, 5), null), "logits")));
    }

    /** The 1-D variants: input (3, 20), NCT; AvgPool counting the padding, batch norm on features. */
    static Graph everyLayer1d() {
        return new Graph("every_layer_1d", "series", new long[] {3, 20}, TensorLayout.NCT, List.of(
                new Node("conv", new Layer.Conv(weights(11, 4, 3, 5), weights(12, 4), ConvSpec.simple(1, 1, 2)),
                        "series"),
                new Node("act", Layer.Activation.of(ActivationKind.TANH), "conv"),
                new Node("avg", new Layer.AvgPool(new PoolSpec(new int[] {3}, new int[] {2}, new int[] {1},
                        new int[] {1}), true), "act"),
                new Node("max", new Layer.MaxPool(PoolSpec.square(1, 2)), "avg"),
                new Node("gmax", new Layer.GlobalPool(true), "max"),
                new Node("flat", new Layer.Flatten(1), "gmax"),
                new Node("fc", new Layer.Dense(weights(13, 2, 4), null), "flat"),
                new Node("bn", new Layer.BatchNorm(weights(14, 2), weights(15, 2), weights(16, 2),
                        new Weights(new float[] {1f, 2f}, new long[] {2}), 1e-5f), "fc")));
    }

    /** A Keras-style graph: channels-last input, transposed to channels-first for the convolution and back. */
    static Graph channelsLast() {
        return new Graph("keras_like", "image", new long[] {6, 6, 2}, TensorLayout.NHWC, List.of(
                new Node("image/channels_first", new Layer.Transpose(new int[] {0, 3, 1, 2}), "image"),
                new Node("conv", new Layer.Conv(weights(21, 3, 2, 3, 3), weights(22, 3), ConvSpec.simple(2, 1, 1)),
                        "image/channels_first"),
                new Node("conv/relu", Layer.Activation.of(ActivationKind.RELU), "conv"),
                new Node("conv/relu/channels_last", new Layer.Transpose(new int[] {0, 2, 3, 1}), "conv/relu"),
                new Node("flatten", new Layer.Flatten(1), "conv/relu/channels_last"),
                new Node("dense", new Layer.Dense(weights(23, 4, 108), weights(24, 4)), "flatten")));
    }

    /** Layer types without an ONNX translation (convert refuses them with one line): none left. */
    static final Set<Class<?>> NOT_EXPORTED = Set.of();

    /**
     * Transformer-block layers exported as several ONNX nodes that the importer fuses back (LayerNorm with and
     * without γ/β, GELU, SiLU, a Dense on (N, T, C)), a class token (BatchConstant, exported as an Expand to the
     * batch size) and ReduceMean and Slice: input (4, 8), NCT.
     */
    static Graph transformerLike() {
        return new Graph("transformer_like", "x", new long[] {4, 8}, TensorLayout.NCT, List.of(
                new Node("token", new Layer.BatchConstant(weights(50, 1, 8)), "x"),
                new Node("tokens_and_x", new Layer.Concat(1), List.of("token", "x")),
                new Node("ln", new Layer.LayerNorm(weights(51, 8), weights(52, 8), 1e-5f), "tokens_and_x"),
                new Node("proj", new Layer.Dense(weights(53, 6, 8), weights(54, 6)), "ln"),
                new Node("gelu", Layer.Activation.of(ActivationKind.GELU), "proj"),
                new Node("silu", Layer.Activation.of(ActivationKind.SILU), "gelu"),
                new Node("proj2", new Layer.Dense(weights(55, 6, 6), null), "silu"),
                new Node("norm", new Layer.LayerNorm(null, null, 1e-6f), "proj2"),
                new Node("scaled", new Layer.LayerNorm(weights(56, 6), null, 1e-6f), "norm"),
                new Node("tokens", new Layer.Slice(1, 1, 3), "scaled"),
                new Node("mean", new Layer.ReduceMean(new int[] {-1}, true), "tokens"),
                new Node("flat", new Layer.Flatten(1), "mean"),
                new Node("fc", new Layer.Dense(weights(57, 3, 2), weights(58, 3)), "flat")));
    }

    /** Products, quotients, differences and matrix products of computed tensors, a clamp and an inner softmax. */
    static Graph attentionLike() {
        return io.signstream.engine.graph.GraphFusion.fuse(new Graph("attention_like", "x", new long[] {3, 8},
                TensorLayout.NCT, List.of(
                        new Node("clip", new Layer.Clip(-1f, 1f), "x"),
                        new Node("sig", Layer.Activation.of(ActivationKind.SIGMOID), "x"),
                        new Node("gate", new Layer.Multiply(Layer.Multiply.NO_GATE), List.of("clip", "sig")),
                        new Node("quot", new Layer.Divide(), List.of("gate", "sig")),
                        new Node("diff", new Layer.Subtract(), List.of("quot", "x")),
                        new Node("t", new Layer.Transpose(new int[] {0, 2, 1}), "diff"),
                        new Node("scores", new Layer.MatMul(), List.of("diff", "t")),
                        new Node("attn", new Layer.Softmax(-1), "scores"),
                        new Node("ctx", new Layer.MatMul(), List.of("attn", "diff")),
                        new Node("flat", new Layer.Flatten(1), "ctx"),
                        new Node("fc", new Layer.Dense(weights(41, 4, 24), weights(42, 4)), "flat"))));
    }

    @Test
    void everyLayerTypeIsCovered() {
        Set<Class<?>> used = java.util.stream.Stream.of(everyLayer2d(), everyLayer1d(), attentionLike(),
                        transformerLike())
                .flatMap(g -> g.nodes().stream()).map(n -> n.layer().getClass()).collect(Collectors.toSet());
        for (Class<?> type : Layer.class.getPermittedSubclasses()) {
            assertTrue(used.contains(type) || NOT_EXPORTED.contains(type), "no test node of type "
                    + type.getSimpleName());
        }
    }

    @Test
    void attentionLikeLayersRoundTrip() throws Exception {
        roundTrip(attentionLike(), 4, List.of("gradient", "lrp_epsilon_0_1"));
    }

    @Test
    void transformerLikeLayersRoundTrip() throws Exception {
        roundTrip(transformerLike(), 5, List.of("gradient", "lrp_epsilon_0_1"));
    }

    @Test
    void layersWithoutTranslationAreRefusedWithOneLine() {
        Graph tanhGelu = new Graph("with_tanh_gelu", "x", new long[] {8}, TensorLayout.NC, List.of(
                new Node("act", Layer.Activation.of(ActivationKind.GELU_TANH), "x")));
        ExplainException e = assertThrows(ExplainException.class, () -> OnnxExporter.toBytes(tanhGelu));
        assertEquals(ExplainException.Kind.UNSUPPORTED_MODEL, e.kind());
        assertTrue(e.getMessage().contains("'act'") && e.getMessage().contains("gelu_tanh"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    @Test
    void everyLayer2dRoundTrips() throws Exception {
        roundTrip(everyLayer2d(), 2, List.of("gradient", "lrp_epsilon_0_1"));
    }

    @Test
    void everyLayer1dRoundTrips() throws Exception {
        roundTrip(everyLayer1d(), 3, List.of("gradient", "lrp_epsilon_0_1"));
    }

    @Test
    void exportedOpsAndAttributes() throws Exception {
        OnnxProto.Model model = OnnxProto.Model.parseFrom(OnnxExporter.toBytes(everyLayer2d()));
        Map<String, OnnxProto.Node> byName = model.getGraph().getNodeList().stream()
                .collect(Collectors.toMap(OnnxProto.Node::getName, n -> n));
        assertEquals("Pad", byName.get("pad").getOpType());
        assertEquals("Conv", byName.get("conv").getOpType());
        assertEquals(2, attribute(byName.get("conv"), "group").getI());
        assertEquals(List.of(2L, 2L), attribute(byName.get("conv"), "dilations").getIntsList());
        assertEquals(List.of(0L, 1L, 1L, 0L), attribute(byName.get("conv2"), "pads").getIntsList());
        assertEquals("BatchNormalization", byName.get("bn").getOpType());
        assertEquals(0.1f, attribute(byName.get("leaky"), "alpha").getF());
        assertEquals(0, attribute(byName.get("avgpool"), "count_include_pad").getI());
        assertEquals("Identity", byName.get("dropout").getOpType());
        // constant first: c − x keeps the initializer as the first operand
        assertEquals("Sub", byName.get("flip").getOpType());
        assertEquals("flip.constant", byName.get("flip").getInput(0));
        assertEquals("half", byName.get("half").getOutput(0));
        assertEquals("Div", byName.get("half").getOpType());
        assertEquals("GlobalMaxPool", byName.get("gmax").getOpType());
        assertEquals("GlobalAveragePool", byName.get("gavg").getOpType());
        assertEquals("Reshape", byName.get("reshape").getOpType());
        assertEquals(1, attribute(byName.get("logits"), "transB").getI());
        assertEquals("Gemm", byName.get("out").getOpType());
        assertEquals(2, byName.get("out").getInputCount(), "no bias, no C input");
        // the output tensor is "logits"; the node called logits writes a renamed tensor
        assertEquals("logits", byName.get("out").getOutput(0));
        assertEquals("logits_2", byName.get("logits").getOutput(0));
        OnnxProto.Tensor shape = model.getGraph().getInitializerList().stream()
                .filter(t -> t.getName().equals("reshape.shape")).findFirst().orElseThrow();
        assertEquals(7, shape.getDataType(), "int64");
        assertEquals("pixels", model.getGraph().getInput(0).getName());
        assertEquals(List.of("N", "2", "8", "8"), dims(model.getGraph().getInput(0)));
        assertEquals(List.of("N", "3"), dims(model.getGraph().getOutput(0)));
        assertEquals("signstream", model.getProducerName());
    }

    @Test
    void channelsLastGraphKeepsItsInputByDefault() throws Exception {
        Graph g = channelsLast();
        Path file = tmp.resolve("keras_like.onnx");
        OnnxExporter.Exported e = OnnxExporter.write(g, file);
        assertEquals(TensorLayout.NHWC, e.inputLayout());
        assertEquals(Optional.of(TensorLayout.NHWC), OnnxMetadata.layout(file));
        Graph again = OnnxImporter.read(file);
        assertSameGraph(g, again);
        NpyArray x = new NpyArray(normal(31, 2 * 72), new long[] {2, 6, 6, 2});
        for (EngineKind k : EngineKind.values()) {
            Backend b = BACKENDS.get(k);
            assertTrue(maxAbsDiff(logits(b, g, x), logits(b, again, x)) <= TOLERANCE, k + " logits");
        }
    }

    @Test
    void channelsLastGraphCanTakeAChannelsFirstInput() throws Exception {
        Graph g = channelsLast();
        Path file = tmp.resolve("keras_like_nchw.onnx");
        OnnxExporter.Exported e = OnnxExporter.write(g, file, new OnnxExporter.Options(true));
        assertTrue(e.inputTransposed());
        assertEquals(TensorLayout.NCHW, e.inputLayout());
        assertEquals("[-1, 2, 6, 6]", java.util.Arrays.toString(e.inputShape()));
        assertEquals(Optional.of(TensorLayout.NCHW), OnnxMetadata.layout(file));
        Graph again = OnnxImporter.read(file);
        assertEquals("[2, 6, 6]", java.util.Arrays.toString(again.sampleShape()));
        assertEquals(g.nodes().size() + 1, again.nodes().size());
        assertEquals(g.nodes().stream().map(Node::name).toList(),
                again.nodes().stream().skip(1).map(Node::name).toList(), "original names kept");
        NpyArray x = new NpyArray(normal(32, 2 * 72), new long[] {2, 6, 6, 2});
        NpyArray xFirst = permute(x, 0, 3, 1, 2);
        int[] targets = {1, 3};
        for (EngineKind k : EngineKind.values()) {
            Backend b = BACKENDS.get(k);
            // the same sums through a transposed view and through a contiguous array: oneDNN's AVX-512 kernels
            // may add them in another order (1.9e-6 measured on these logits)
            float[] l0 = logits(b, g, x);
            assertTrue(maxAbsDiff(l0, logits(b, again, xFirst)) <= TOLERANCE * Math.max(1, maxAbs(l0)), k + " logits");
            float[] m0 = map(b, g, x, targets, "gradient");
            float[] m1 = map(b, again, xFirst, targets, "gradient");
            float[] back = permute(new NpyArray(m1, xFirst.shape()), 0, 2, 3, 1).data();
            assertTrue(maxAbsDiff(m0, back) <= TOLERANCE * Math.max(1, maxAbs(m0)), k + " gradient");
        }
    }

    @Test
    void refusesGraphsTheImporterCannotReadBack() {
        Graph flatten2 = new Graph("f", "x", new long[] {2, 3, 4}, TensorLayout.NCHW, List.of(
                new Node("merge", new Layer.Flatten(2), "x")));
        ExplainException e = assertThrows(ExplainException.class, () -> OnnxExporter.toBytes(flatten2));
        assertEquals(ExplainException.Kind.UNSUPPORTED_MODEL, e.kind());
        assertTrue(e.getMessage().contains("'merge'") && e.getMessage().contains("axis=2"), e.getMessage());
        Graph batchMove = new Graph("t", "x", new long[] {2, 3}, TensorLayout.NCT, List.of(
                new Node("swap", new Layer.Transpose(new int[] {1, 0, 2}), "x")));
        e = assertThrows(ExplainException.class, () -> OnnxExporter.toBytes(batchMove));
        assertTrue(e.getMessage().contains("'swap'") && e.getMessage().contains("batch"), e.getMessage());
        Graph meanOverBatch = new Graph("d", "x", new long[] {1, 2, 2}, TensorLayout.NCHW, List.of(
                new Node("mean", new Layer.ReduceMean(new int[] {0}, true), "x")));
        e = assertThrows(ExplainException.class, () -> OnnxExporter.toBytes(meanOverBatch));
        assertTrue(e.getMessage().contains("'mean'") && e.getMessage().contains("batch"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"));
    }

    @Test
    void unwritablePathIsOneLineError() throws Exception {
        Path blocker = tmp.resolve("file");
        java.nio.file.Files.writeString(blocker, "x");
        ExplainException e = assertThrows(ExplainException.class,
                () -> OnnxExporter.write(everyLayer1d(), blocker.resolve("sub/model.onnx")));
        assertTrue(e.getMessage().startsWith("cannot write "), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"));
    }

    private void roundTrip(Graph g, long seed, List<String> methods) throws Exception {
        Path file = tmp.resolve(g.name() + ".onnx");
        OnnxExporter.write(g, file);
        Graph again = OnnxImporter.read(file);
        assertSameGraph(g, again);
        long[] shape = new long[g.sampleShape().length + 1];
        shape[0] = 2;
        System.arraycopy(g.sampleShape(), 0, shape, 1, g.sampleShape().length);
        int n = (int) java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        NpyArray x = new NpyArray(normal(seed, n), shape);
        int[] targets = {0, 1};
        for (EngineKind k : EngineKind.values()) {
            Backend b = BACKENDS.get(k);
            float[] l0 = logits(b, g, x);
            float[] l1 = logits(b, again, x);
            assertTrue(maxAbsDiff(l0, l1) <= TOLERANCE, k + " logits differ by " + maxAbsDiff(l0, l1));
            for (String method : methods) {
                float[] m0 = map(b, g, x, targets, method);
                float[] m1 = map(b, again, x, targets, method);
                assertTrue(maxAbs(m0) > 0, k + " " + method + " is all zero");
                double diff = maxAbsDiff(m0, m1);
                assertTrue(diff <= TOLERANCE * Math.max(1, maxAbs(m0)), k + " " + method + " differs by " + diff);
            }
        }
    }

    private static OnnxProto.Attribute attribute(OnnxProto.Node n, String name) {
        return n.getAttributeList().stream().filter(a -> a.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(n.getName() + " has no attribute " + name));
    }

    private static List<String> dims(OnnxProto.ValueInfo v) {
        return v.getType().getTensorType().getShape().getDimList().stream()
                .map(d -> d.hasDimParam() ? d.getDimParam() : Long.toString(d.getDimValue())).toList();
    }
}
