package io.signstream.engine.onnx;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.graph.ConvSpec;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.PoolSpec;
import io.signstream.engine.graph.Weights;
import io.signstream.engine.onnx.proto.OnnxProto;
import java.util.Arrays;
import java.util.Map;

/** Conv, MaxPool, AveragePool and the global poolings, 1-D (N, C, T) and 2-D (N, C, H, W). */
final class ConvPoolOps {

    private ConvPoolOps() {
    }

    static void register(Map<String, OpTranslator> ops) {
        ops.put("Conv", ConvPoolOps::conv);
        ops.put("MaxPool", ConvPoolOps::maxPool);
        ops.put("AveragePool", ConvPoolOps::avgPool);
        ops.put("GlobalAveragePool", (node, ctx) -> globalPool(node, ctx, false));
        ops.put("GlobalMaxPool", (node, ctx) -> globalPool(node, ctx, true));
    }

    static void conv(OnnxProto.Node node, ImportContext ctx) throws ExplainException {
        GraphTensor x = spatialInput(node, ctx);
        int k = x.rank() - 2;
        Weights w = ctx.weights(node, 1, "weight");
        if (w.rank() != x.rank()) {
            throw ctx.corrupt(node, "the weight has shape " + Arrays.toString(w.shape()) + " for an input of shape "
                    + x.describeShape());
        }
        OnnxAttributes attrs = OnnxAttributes.of(node);
        int groups = (int) attrs.getInt("group", 1);
        if (groups < 1 || w.dim(1) * groups != x.dim(1) || w.dim(0) % groups != 0) {
            throw ctx.corrupt(node, "weight " + Arrays.toString(w.shape()) + " with group=" + groups
                    + " does not fit " + x.dim(1) + " input channels");
        }
        int[] kernel = new int[k];
        for (int i = 0; i < k; i++) {
            kernel[i] = (int) w.dim(2 + i);
        }
        long[] declared = attrs.getInts("kernel_shape");
        if (declared != null && !Arrays.equals(declared, Arrays.stream(kernel).asLongStream().toArray())) {
            throw ctx.corrupt(node, "kernel_shape " + Arrays.toString(declared) + " disagrees with the weight "
                    + Arrays.toString(w.shape()));
        }
        int[] strides = axisInts(node, ctx, attrs, "strides", k);
        int[] dilations = axisInts(node, ctx, attrs, "dilations", k);
        SpatialPadding pad = SpatialPadding.resolve(node, ctx, attrs, x, kernel, strides, dilations);
        ConvSpec spec = new ConvSpec(strides, pad.begin, pad.end, dilations, groups);
        Weights bias = null;
        if (ctx.hasInput(node, 2)) {
            bias = ctx.weights(node, 2, "bias");
            if (bias.size() != w.dim(0)) {
                throw ctx.corrupt(node, "the bias has " + bias.size() + " values for " + w.dim(0) + " filters");
            }
            bias = new Weights(bias.data(), new long[] {w.dim(0)});
        }
        long[] out = new long[x.rank()];
        out[0] = GraphTensor.BATCH;
        out[1] = w.dim(0);
        for (int i = 0; i < k; i++) {
            out[2 + i] = spec.outputLength(i, x.dim(2 + i), kernel[i]);
        }
        ctx.emit(node, new Layer.Conv(w, bias, spec), out, x);
    }

    static void maxPool(OnnxProto.Node node, ImportContext ctx) throws ExplainException {
        OnnxAttributes attrs = OnnxAttributes.of(node);
        if (attrs.getInt("storage_order", 0) != 0) {
            throw ctx.unsupported(node, "storage_order=1 is not supported");
        }
        GraphTensor x = spatialInput(node, ctx);
        int[] dilations = axisInts(node, ctx, attrs, "dilations", x.rank() - 2);
        if (Arrays.stream(dilations).anyMatch(d -> d != 1)) {
            throw ctx.unsupported(node, "dilated max pooling is not supported");
        }
        PoolSpec spec = poolSpec(node, ctx, attrs, x);
        ctx.emit(node, new Layer.MaxPool(spec), pooledShape(x, spec), x);
    }

    static void avgPool(OnnxProto.Node node, ImportContext ctx) throws ExplainException {
        OnnxAttributes attrs = OnnxAttributes.of(node);
        GraphTensor x = spatialInput(node, ctx);
        PoolSpec spec = poolSpec(node, ctx, attrs, x);
        boolean countIncludePad = attrs.getInt("count_include_pad", 0) != 0;
        ctx.emit(node, new Layer.AvgPool(spec, countIncludePad), pooledShape(x, spec), x);
    }

    static void globalPool(OnnxProto.Node node, ImportContext ctx, boolean max) throws ExplainException {
        GraphTensor x = spatialInput(node, ctx);
        long[] out = x.shape().clone();
        Arrays.fill(out, 2, out.length, 1);
        ctx.emit(node, new Layer.GlobalPool(max), out, x);
    }

    private static PoolSpec poolSpec(OnnxProto.Node node, ImportContext ctx, OnnxAttributes attrs, GraphTensor x)
            throws ExplainException {
        int k = x.rank() - 2;
        long[] kernelAttr = attrs.getInts("kernel_shape");
        if (kernelAttr == null || kernelAttr.length != k) {
            throw ctx.corrupt(node, "kernel_shape must list " + k + " window sizes");
        }
        int[] kernel = Arrays.stream(kernelAttr).mapToInt(Math::toIntExact).toArray();
        int[] strides = axisInts(node, ctx, attrs, "strides", k);
        int[] ones = new int[k];
        Arrays.fill(ones, 1);
        SpatialPadding pad = SpatialPadding.resolve(node, ctx, attrs, x, kernel, strides, ones);
        PoolSpec spec = new PoolSpec(kernel, strides, pad.begin, pad.end);
        if (attrs.getInt("ceil_mode", 0) == 0) {
            return spec;
        }
        PoolSpec ceil = spec.withCeilMode(Arrays.copyOfRange(x.shape(), 2, x.rank()));
        if (!ceil.samePadding(spec) && node.getOpType().equals("AveragePool")) {
            throw ctx.unsupported(node, "ceil_mode=1 adds a partial window at this input size, which average "
                    + "pooling would have to exclude from its divisor; export with ceil_mode=False or an input size "
                    + "where the windows tile the input");
        }
        return ceil;
    }

    private static long[] pooledShape(GraphTensor x, PoolSpec spec) {
        long[] out = x.shape().clone();
        for (int i = 0; i < spec.spatialRank(); i++) {
            out[2 + i] = spec.outputLength(i, x.dim(2 + i));
        }
        return out;
    }

    private static GraphTensor spatialInput(OnnxProto.Node node, ImportContext ctx) throws ExplainException {
        GraphTensor x = ctx.tensor(node, 0);
        if (x.rank() != 3 && x.rank() != 4) {
            throw ctx.unsupported(node, "input of shape " + x.describeShape()
                    + " is not supported; only 1-D (N, C, T) and 2-D (N, C, H, W) layers");
        }
        return x;
    }

    /** A per-spatial-axis attribute that defaults to 1 (strides, dilations). */
    private static int[] axisInts(OnnxProto.Node node, ImportContext ctx, OnnxAttributes attrs, String name, int k)
            throws ExplainException {
        int[] v = attrs.getInts(name, k, 1);
        if (v.length != k) {
            throw ctx.corrupt(node, name + " has " + v.length + " entries, expected " + k);
        }
        if (Arrays.stream(v).anyMatch(s -> s < 1)) {
            throw ctx.corrupt(node, name + " must be positive, got " + Arrays.toString(v));
        }
        return v;
    }
}
