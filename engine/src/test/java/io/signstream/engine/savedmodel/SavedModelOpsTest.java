package io.signstream.engine.savedmodel;

import static io.signstream.engine.savedmodel.TinyGraph.b;
import static io.signstream.engine.savedmodel.TinyGraph.f;
import static io.signstream.engine.savedmodel.TinyGraph.func;
import static io.signstream.engine.savedmodel.TinyGraph.i;
import static io.signstream.engine.savedmodel.TinyGraph.ints;
import static io.signstream.engine.savedmodel.TinyGraph.op;
import static io.signstream.engine.savedmodel.TinyGraph.str;
import static io.signstream.engine.savedmodel.TinyGraph.type;
import static io.signstream.engine.savedmodel.TinyGraph.types;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.engine.api.Explainer;
import io.signstream.engine.api.MapAgreement;
import io.signstream.engine.backend.DeviceChoice;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.npy.NpyArray;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.framework.DataType;
import org.tensorflow.proto.framework.FunctionDef;
import org.tensorflow.proto.framework.NodeDef;
import org.tensorflow.proto.framework.OpDef;

/**
 * Op semantics against TensorFlow itself: small frozen-graph SavedModels built op by op ({@link TinyGraph}) are
 * run by DJL's TensorFlow engine and imported; the logits agree on both engines, and so do the gradient maps.
 * The cases cover what the real models do not: asymmetric SAME padding (conv, average and max pooling),
 * EXPLICIT padding, dilation, depthwise convolution, batch norm, global pooling, Pad, two-tensor Add/Sub,
 * ConcatV2, Transpose, a constant reshape, MatMul with transpose_b, AddN, arithmetic on constants, ExpandDims
 * and Squeeze, and TF2-style nested function calls with a dynamic flatten inside.
 */
class SavedModelOpsTest {

    private static final DataType FLOAT = DataType.DT_FLOAT;
    private static final DataType INT = DataType.DT_INT32;

    @Test
    void convolutionsPoolingAndBatchNorm(@TempDir Path tmp) throws Exception {
        TinyGraph g = new TinyGraph(11);
        String x = g.input(-1, 16, 16, 3);
        String conv = g.add(op("conv", "Conv2D", x, g.weights("w1", 0.3, 3, 3, 3, 4))
                .putAttr("strides", ints(1, 2, 2, 1)).putAttr("padding", str("SAME"))
                .putAttr("data_format", str("NHWC")).putAttr("dilations", ints(1, 1, 1, 1)));
        String bias = g.add(op("bias", "BiasAdd", conv, g.weights("b1", 0.1, 4)).putAttr("data_format", str("NHWC")));
        String relu = g.add(op("relu", "Relu", bias));
        String dw = g.add(op("depthwise", "DepthwiseConv2dNative", relu, g.weights("wd", 0.3, 3, 3, 4, 2))
                .putAttr("strides", ints(1, 1, 1, 1)).putAttr("padding", str("SAME"))
                .putAttr("data_format", str("NHWC")).putAttr("dilations", ints(1, 1, 1, 1)));
        String avg = g.add(pool("avg", "AvgPool", dw));
        String max = g.add(pool("max", "MaxPool", avg));
        float[] variance = new float[8];
        java.util.Arrays.fill(variance, 0.7f);
        variance[3] = 1.9f;
        String bn = g.add(op("bn", "FusedBatchNormV3", max, g.weights("scale", 1, 8), g.weights("offset", 0.2, 8),
                g.weights("mean", 0.2, 8), g.constant("var", variance, 8)).putAttr("U", type(FLOAT))
                .putAttr("epsilon", f(1e-3f)).putAttr("is_training", b(false)).putAttr("data_format", str("NHWC")));
        String leaky = g.add(op("leaky", "LeakyRelu", bn).putAttr("alpha", f(0.1f)));
        String mean = g.add(op("gap", "Mean", leaky, g.ints("axes", new int[] {1, 2}, 2))
                .putAttr("Tidx", type(INT)).putAttr("keep_dims", b(false)));
        String mm = g.add(op("logits/MatMul", "MatMul", mean, g.weights("wf", 0.5, 8, 5))
                .putAttr("transpose_a", b(false)).putAttr("transpose_b", b(false)));
        String out = g.add(op("logits", "BiasAdd", mm, g.weights("bf", 0.1, 5)));
        Path dir = g.write(tmp.resolve("convs"), out);

        Graph graph = SavedModelImporter.read(dir);
        System.out.print(graph);
        Layer.Conv first = assertInstanceOf(Layer.Conv.class, graph.node("conv").layer());
        assertArrayEquals(new int[] {0, 0}, first.spec().padBegin(), "SAME, stride 2 on 16: the pad goes at the end");
        assertArrayEquals(new int[] {1, 1}, first.spec().padEnd());
        assertNotNull(first.bias(), "BiasAdd folded");
        assertEquals(4, ((Layer.Conv) graph.node("depthwise").layer()).spec().groups());
        assertInstanceOf(Layer.GlobalPool.class, graph.node("gap").layer());
        assertMatchesTensorFlow(g, dir);
    }

    @Test
    void paddingResidualsConcatAndReshape(@TempDir Path tmp) throws Exception {
        TinyGraph g = new TinyGraph(12);
        String x = g.input(-1, 6, 6, 2);
        String pad = g.add(op("pad", "Pad", x, g.ints("paddings", new int[] {0, 0, 1, 2, 0, 1, 0, 0}, 4, 2))
                .putAttr("Tpaddings", type(INT)));
        String c1 = g.add(conv("c1", pad, g.weights("w1", 0.4, 3, 3, 2, 3), "VALID", 1).putAttr("dilations",
                ints(1, 2, 2, 1)));
        String t = g.add(op("tanh", "Tanh", c1));
        String c2 = g.add(conv("c2", t, g.weights("w2", 0.5, 1, 1, 3, 3), "VALID", 1));
        String add = g.add(op("add", "AddV2", c2, t));
        String sub = g.add(op("sub", "Sub", c2, t));
        String mul = g.add(op("mul", "Mul", add, g.weights("scale", 1, 3)));
        String div = g.add(op("div", "RealDiv", sub, g.constant("two", new float[] {2f})));
        String cat = g.add(op("cat", "ConcatV2", mul, div, g.ints("axis", new int[] {3})).putAttr("N", i(2))
                .putAttr("Tidx", type(INT)));
        String c3 = g.add(conv("c3", cat, g.weights("w3", 0.3, 2, 2, 6, 2), "EXPLICIT", 2)
                .putAttr("explicit_paddings", ints(0, 0, 1, 0, 0, 1, 0, 0)));
        String tr = g.add(op("transpose", "Transpose", c3, g.ints("perm", new int[] {0, 3, 1, 2}, 4))
                .putAttr("Tperm", type(INT)));
        String rs = g.add(op("reshape", "Reshape", tr, g.ints("shape", new int[] {-1, 12}, 2))
                .putAttr("Tshape", type(INT)));
        String sig = g.add(op("sigmoid", "Sigmoid", rs));
        String mm = g.add(op("mm", "MatMul", sig, g.weights("wt", 0.5, 4, 12)).putAttr("transpose_b", b(true)));
        String out = g.add(op("logits", "Add", mm, g.weights("bias", 0.1, 4)));
        Path dir = g.write(tmp.resolve("pads"), out);

        Graph graph = SavedModelImporter.read(dir);
        System.out.print(graph);
        assertInstanceOf(Layer.Add.class, graph.node("add").layer());
        Layer.Conv c3Layer = assertInstanceOf(Layer.Conv.class, graph.node("c3").layer());
        assertArrayEquals(new int[] {1, 0}, c3Layer.spec().padBegin(), "EXPLICIT pads");
        assertArrayEquals(new int[] {0, 1}, c3Layer.spec().padEnd());
        assertMatchesTensorFlow(g, dir);
    }

    /**
     * Keras's BatchNormalization after a dense layer (no FusedBatchNorm for rank 2: the scale is computed in the
     * graph as Rsqrt(variance + ε)·γ and folds to constants), AddN of three branches, ExpandDims then Squeeze.
     */
    @Test
    void denseBatchNormAddNAndSqueeze(@TempDir Path tmp) throws Exception {
        TinyGraph g = new TinyGraph(15);
        String x = g.input(-1, 5);
        String h = g.add(op("dense/MatMul", "MatMul", x, g.weights("w", 0.5, 5, 4)));
        String hb = g.add(op("dense/BiasAdd", "BiasAdd", h, g.weights("b", 0.1, 4)));
        String var = g.add(op("bn/add", "AddV2", g.constant("var", new float[] {0.5f, 1f, 2f, 0.25f}, 4),
                g.constant("eps", new float[] {1e-3f})));
        String rsqrt = g.add(op("bn/Rsqrt", "Rsqrt", var));
        String scale = g.add(op("bn/mul", "Mul", rsqrt, g.weights("gamma", 1, 4)));
        String scaled = g.add(op("bn/mul_1", "Mul", hb, scale));
        String shift = g.add(op("bn/sub", "Sub", g.weights("beta", 0.2, 4),
                g.add(op("bn/mul_2", "Mul", g.weights("moving_mean", 0.3, 4), scale))));
        String bn = g.add(op("bn/add_1", "AddV2", scaled, shift));
        String sum = g.add(op("sum", "AddN", g.add(op("relu", "Relu", bn)), g.add(op("sigmoid", "Sigmoid", bn)),
                g.add(op("tanh", "Tanh", bn))).putAttr("N", i(3)));
        String expanded = g.add(op("expand", "ExpandDims", sum, g.ints("axis", new int[] {-1}))
                .putAttr("Tdim", type(INT)));
        String squeezed = g.add(op("squeeze", "Squeeze", expanded).putAttr("squeeze_dims", ints(2)));
        String out = g.add(op("logits", "MatMul", squeezed, g.weights("wo", 0.5, 4, 3)));
        Path dir = g.write(tmp.resolve("dense_bn"), out);

        Graph graph = SavedModelImporter.read(dir);
        System.out.print(graph);
        assertInstanceOf(Layer.Dense.class, graph.node("dense/MatMul").layer());
        assertNotNull(((Layer.Dense) graph.node("dense/MatMul").layer()).bias(), "BiasAdd folded");
        assertInstanceOf(Layer.ConstantOp.class, graph.node("bn/mul_1").layer());
        assertInstanceOf(Layer.Add.class, graph.node("sum").layer());
        assertMatchesTensorFlow(g, dir);
    }

    /**
     * A TF2-style graph: the top level calls a function that calls another (StatefulPartitionedCall, then
     * PartitionedCall); the inner one flattens with tf.layers' Shape → StridedSlice → Pack → Reshape.
     */
    @Test
    void nestedFunctionCallsAreInlined(@TempDir Path tmp) throws Exception {
        TinyGraph g = new TinyGraph(13);
        String x = g.input(-1, 4, 4, 1);
        TinyGraph consts = new TinyGraph(14);
        g.addFunction(function("outer", "x", "y", "inner_call:output:0",
                constNode(consts, "w", 2, 2, 1, 2),
                op("conv", "Conv2D", "x", "w:output:0").putAttr("strides", ints(1, 1, 1, 1))
                        .putAttr("padding", str("VALID")).putAttr("data_format", str("NHWC")),
                NodeDef.newBuilder().setName("inner_call").setOp("PartitionedCall").addInput("conv:output:0")
                        .putAttr("Tin", types(FLOAT)).putAttr("Tout", types(FLOAT)).putAttr("f", func("inner"))));
        g.addFunction(function("inner", "z", "out", "ident:output:0",
                op("relu", "Relu", "z"),
                NodeDef.newBuilder().setName("shape").setOp("Shape").addInput("relu:activations:0")
                        .putAttr("T", type(FLOAT)).putAttr("out_type", type(INT)),
                intConst("begin", 0), intConst("end", 1), intConst("stride", 1),
                NodeDef.newBuilder().setName("batch").setOp("StridedSlice").addInput("shape:output:0")
                        .addInput("begin:output:0").addInput("end:output:0").addInput("stride:output:0")
                        .putAttr("T", type(INT)).putAttr("Index", type(INT)).putAttr("shrink_axis_mask", i(1)),
                scalarIntConst("minus_one", -1),
                NodeDef.newBuilder().setName("target").setOp("Pack").addInput("batch:output:0")
                        .addInput("minus_one:output:0").putAttr("T", type(INT)).putAttr("N", i(2)),
                op("flatten", "Reshape", "relu:activations:0", "target:output:0").putAttr("Tshape", type(INT)),
                constNode(consts, "wd", 18, 3),
                op("mm", "MatMul", "flatten:output:0", "wd:output:0"),
                op("ident", "Identity", "mm:product:0")));
        String out = g.add(NodeDef.newBuilder().setName("StatefulPartitionedCall").setOp("StatefulPartitionedCall")
                .addInput(x).putAttr("Tin", types(FLOAT)).putAttr("Tout", types(FLOAT)).putAttr("f", func("outer")));
        Path dir = g.write(tmp.resolve("calls"), out);

        Graph graph = SavedModelImporter.read(dir);
        System.out.print(graph);
        assertNotNull(graph.node("StatefulPartitionedCall/inner_call/flatten"));
        assertInstanceOf(Layer.Flatten.class, graph.node("StatefulPartitionedCall/inner_call/flatten").layer());
        assertMatchesTensorFlow(g, dir);
    }

    /** Logits as DJL's TensorFlow engine computes them from the SavedModel, and gradient maps across engines. */
    private static void assertMatchesTensorFlow(TinyGraph g, Path dir) throws Exception {
        int batch = 3;
        float[] x = g.randomInput(batch);
        long[] shape = g.inputShape(batch);
        float[] reference = SavedModelTesting.djlForward(dir, "serving_default", x, shape);
        NpyArray input = new NpyArray(x, shape);
        NpyArray[] gradients = new NpyArray[2];
        EngineKind[] engines = EngineKind.values();
        for (int e = 0; e < engines.length; e++) {
            try (Explainer ex = Explainer.open(dir, engines[e], DeviceChoice.CPU)) {
                float[] logits = ex.logits(input).data();
                double scale = Math.max(1, Math.abs(reference[SavedModelTesting.argmax(reference)]));
                double diff = SavedModelTesting.maxAbsDiff(logits, reference);
                System.out.printf("%s on %s: max |logit diff| vs TensorFlow = %.3g%n", dir.getFileName(),
                        engines[e].id(), diff);
                assertTrue(diff <= 1e-4 * scale, engines[e].id() + ": max logit difference " + diff);
                gradients[e] = ex.explain(input, new int[] {1}, "gradient", Map.of()).map();
            }
        }
        MapAgreement a = MapAgreement.of(gradients[0].data(), gradients[1].data());
        assertTrue(a.maxAbsReference() > 0);
        assertTrue(a.pearson() >= 0.9999 && a.maxAbsDiff() <= 1e-4 * a.maxAbsReference(), "gradient maps: " + a);
    }

    private static NodeDef.Builder pool(String name, String type, String input) {
        return op(name, type, input).putAttr("ksize", ints(1, 3, 3, 1)).putAttr("strides", ints(1, 2, 2, 1))
                .putAttr("padding", str("SAME")).putAttr("data_format", str("NHWC"));
    }

    private static NodeDef.Builder conv(String name, String input, String filter, String padding, int stride) {
        return op(name, "Conv2D", input, filter).putAttr("strides", ints(1, stride, stride, 1))
                .putAttr("padding", str(padding)).putAttr("data_format", str("NHWC"));
    }

    /** A float Const for a function body: the value made by a scratch {@link TinyGraph} so it is random. */
    private static NodeDef.Builder constNode(TinyGraph scratch, String name, long... shape) {
        scratch.weights(name, 0.5, shape);
        return scratch.lastNode().toBuilder();
    }

    private static NodeDef.Builder intConst(String name, int value) {
        TinyGraph scratch = new TinyGraph(0);
        scratch.ints(name, new int[] {value}, 1);
        return scratch.lastNode().toBuilder();
    }

    private static NodeDef.Builder scalarIntConst(String name, int value) {
        TinyGraph scratch = new TinyGraph(0);
        scratch.ints(name, new int[] {value});
        return scratch.lastNode().toBuilder();
    }

    private static FunctionDef function(String name, String in, String out, String ret, NodeDef.Builder... body) {
        FunctionDef.Builder f = FunctionDef.newBuilder().setSignature(OpDef.newBuilder().setName(name)
                .addInputArg(OpDef.ArgDef.newBuilder().setName(in).setType(FLOAT))
                .addOutputArg(OpDef.ArgDef.newBuilder().setName(out).setType(FLOAT)));
        for (NodeDef.Builder n : body) {
            f.addNodeDef(n);
        }
        return f.putRet(out, ret).build();
    }
}
