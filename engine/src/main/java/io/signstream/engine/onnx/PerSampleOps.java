package io.signstream.engine.onnx;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.graph.ActivationKind;
import io.signstream.engine.graph.ConstantOpKind;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Weights;
import io.signstream.engine.onnx.proto.OnnxProto;
import java.util.Arrays;
import java.util.Map;

/**
 * The ops of a model exported with batch 1 after a Transpose has moved the batch axis away from axis 0: PyTorch's
 * {@code nn.MultiheadAttention} works sequence-first, so its export transposes (N, L, E) to (L, N, E), reshapes it
 * to (L, N·heads, E/heads) with N = 1 baked into the target, and transposes back at the end.
 *
 * <p>The graph keeps its own batch axis 0 and runs such a region one sample at a time: a {@link GraphTensor#perSample()
 * per-sample} tensor holds, for every sample of the graph's batch, the value ONNX computes for that sample alone
 * (the exported batch-1 computation), with the exported batch a unit axis or merged into another axis. Every ONNX
 * axis {@code a} of that value is graph axis {@code a + 1}; Transpose and Reshape targets, Softmax, Slice and
 * Gather axes are shifted by one, MatMul batches over the leading axes, constants broadcast from the right. This
 * is exact because the region is a function of one sample (the export only holds for batch 1): the graph runs any
 * batch size and gives each sample the exported model's result. As soon as a result's first ONNX axis has length 1
 * (the batch axis transposed back), it becomes an ordinary batch-first tensor again.
 *
 * <p>Entered only when the model declares batch 1 or a dynamic batch (a model exported with a larger fixed batch
 * mixes samples in such a region). Ops outside this list fail with a message naming the node.
 */
final class PerSampleOps {

    private static final Map<String, ActivationKind> ELEMENTWISE = Map.of("Relu", ActivationKind.RELU,
            "Sigmoid", ActivationKind.SIGMOID, "Tanh", ActivationKind.TANH, "Erf", ActivationKind.ERF,
            "Sqrt", ActivationKind.SQRT);

    private PerSampleOps() {
    }

    /** Whether a model may enter the per-sample view: it declares batch 1 or a dynamic batch. */
    static boolean allowed(ImportContext ctx) {
        return ctx.declaredBatch() <= 1;
    }

    /** The per-sample view of a batch-first tensor: (N, d…) as (N, 1, d…), ONNX's batch 1 as a unit axis. */
    static GraphTensor lift(OnnxProto.Node node, ImportContext ctx, GraphTensor x, String suffix) {
        if (x.perSample()) {
            return x;
        }
        long[] onnx = x.shape().clone();
        onnx[0] = 1;
        long[] target = GraphTensor.withBatch(onnx);
        target[0] = -1;
        return ctx.emitExtra(node, suffix, new Layer.Reshape(target), GraphTensor.withBatch(onnx), true, x);
    }

    static void translate(OnnxProto.Node node, ImportContext ctx) throws ExplainException {
        String op = node.getOpType();
        switch (op) {
            case "Transpose" -> transpose(node, ctx, (GraphTensor) ctx.value(node, 0));
            case "Reshape" -> reshape(node, ctx);
            case "MatMul" -> matMul(node, ctx);
            case "Gemm" -> gemm(node, ctx);
            case "Add" -> binary(node, ctx, ConstantOpKind.ADD);
            case "Sub" -> binary(node, ctx, ConstantOpKind.SUB);
            case "Mul" -> binary(node, ctx, ConstantOpKind.MUL);
            case "Div" -> binary(node, ctx, ConstantOpKind.DIV);
            case "Softmax" -> softmax(node, ctx);
            case "Slice" -> TensorSlicing.slice(node, ctx, ctx.tensor(node, 0));
            case "Gather" -> TensorSlicing.gather(node, ctx, ctx.tensor(node, 0));
            case "Shape" -> shape(node, ctx);
            case "Identity", "Dropout" -> ctx.define(node, ctx.tensor(node, 0));
            default -> {
                ActivationKind kind = ELEMENTWISE.get(op);
                if (kind == null) {
                    throw ctx.unsupported(node, op + " of a tensor whose batch axis an earlier Transpose moved "
                            + "(per-sample view, e.g. inside a sequence-first nn.MultiheadAttention) is not "
                            + "supported; supported there: Transpose, Reshape, MatMul, Gemm, Add, Sub, Mul, Div, "
                            + "Softmax, Slice, Gather, Shape, Identity, Dropout, " + String.join(", ",
                            ELEMENTWISE.keySet()));
                }
                GraphTensor x = ctx.tensor(node, 0);
                emit(node, ctx, Layer.Activation.of(kind), x.onnxShape(), x);
            }
        }
    }

    /**
     * Emits a per-sample result of the given ONNX shape; when its first axis has length 1 it is the batch axis
     * back in front, and the result is reshaped to an ordinary batch-first tensor.
     */
    static GraphTensor emit(OnnxProto.Node node, ImportContext ctx, Layer layer, long[] onnxShape,
            GraphTensor... inputs) throws ExplainException {
        GraphTensor y = ctx.emit(node, layer, GraphTensor.withBatch(onnxShape), true, inputs);
        if (onnxShape.length < 2 || onnxShape[0] != 1) {
            return y;
        }
        long[] rest = Arrays.copyOfRange(onnxShape, 1, onnxShape.length);
        long[] target = GraphTensor.withBatch(rest);
        target[0] = -1;
        Layer back = rest.length == 1 ? new Layer.Flatten(1) : new Layer.Reshape(target);
        GraphTensor batchFirst = ctx.emitExtra(node, "batch_first", back, GraphTensor.withBatch(rest), y);
        ctx.define(node, batchFirst);
        return batchFirst;
    }

    /** A permutation of ONNX's axes; from a batch-first tensor, the one that enters the per-sample view. */
    static void transpose(OnnxProto.Node node, ImportContext ctx, GraphTensor in) throws ExplainException {
        GraphTensor x = lift(node, ctx, in, "per_sample");
        long[] shape = x.onnxShape();
        int rank = shape.length;
        long[] permAttr = OnnxAttributes.of(node).getInts("perm");
        int[] perm = new int[rank];
        for (int i = 0; i < rank; i++) {
            perm[i] = permAttr == null ? rank - 1 - i : (int) permAttr[i];
        }
        int[] graphPerm = new int[rank + 1];
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            graphPerm[i + 1] = perm[i] + 1;
            out[i] = shape[perm[i]];
        }
        emit(node, ctx, new Layer.Transpose(graphPerm), out, x);
    }

    private static void reshape(OnnxProto.Node node, ImportContext ctx) throws ExplainException {
        GraphTensor x = ctx.tensor(node, 0);
        OnnxAttributes attrs = OnnxAttributes.of(node);
        long[] target = attrs.has("shape") ? attrs.getInts("shape") : ctx.longs(node, 1, "shape");
        if (Arrays.stream(target).anyMatch(d -> d == OnnxConstant.BATCH_SIZE)) {
            throw ctx.unsupported(node, "a Reshape target computed from the batch size after a Transpose moved the "
                    + "batch axis is not supported (export the model with a fixed batch of 1)");
        }
        long[] in = x.onnxShape();
        if (attrs.getInt("allowzero", 0) != 0 && Arrays.stream(target).anyMatch(d -> d == 0)) {
            throw ctx.corrupt(node, "invalid target shape " + Arrays.toString(target));
        }
        long[] out = ShapeOps.resolveTarget(node, ctx, in, target, OnnxConstant.count(in));
        long[] graphTarget = GraphTensor.withBatch(out);
        graphTarget[0] = -1;
        emit(node, ctx, out.length == 1 ? new Layer.Flatten(1) : new Layer.Reshape(graphTarget), out, x);
    }

    private static void matMul(OnnxProto.Node node, ImportContext ctx) throws ExplainException {
        OnnxValue a = ctx.value(node, 0);
        OnnxValue b = ctx.value(node, 1);
        if (!(a instanceof GraphTensor left)) {
            throw ctx.unsupported(node, "a constant left operand is not supported (expected input · constant)");
        }
        if (b instanceof GraphTensor right) {
            GraphTensor l = lift(node, ctx, left, "left_per_sample");
            GraphTensor r = lift(node, ctx, right, "right_per_sample");
            long[] ls = l.onnxShape();
            long[] rs = r.onnxShape();
            if (ls.length != rs.length || ls.length < 2 || ls[ls.length - 1] != rs[rs.length - 2]) {
                throw ctx.unsupported(node, "MatMul of tensors of shapes " + l.describeShape() + " and "
                        + r.describeShape() + " is not supported (expected batched matrices of one rank)");
            }
            long[] lead = TensorOps.broadcastShape(Arrays.copyOf(ls, ls.length - 2), Arrays.copyOf(rs, rs.length - 2));
            long[] out = lead == null ? null : Arrays.copyOf(lead, ls.length);
            if (out == null) {
                throw ctx.unsupported(node, "MatMul of " + l.describeShape() + " and " + r.describeShape()
                        + ": the leading axes do not broadcast");
            }
            out[out.length - 2] = ls[ls.length - 2];
            out[out.length - 1] = rs[rs.length - 1];
            emit(node, ctx, new Layer.MatMul(), out, l, r);
            return;
        }
        OnnxConstant c = (OnnxConstant) b;
        if (c.rank() != 2) {
            throw ctx.unsupported(node, "the constant operand has shape " + Arrays.toString(c.shape())
                    + "; only a matrix is supported");
        }
        Weights w = c.transpose(new int[] {1, 0}).toWeights();
        dense(node, ctx, left, w, null);
    }

    private static void gemm(OnnxProto.Node node, ImportContext ctx) throws ExplainException {
        OnnxAttributes attrs = OnnxAttributes.of(node);
        GraphTensor a = ctx.tensor(node, 0);
        if (attrs.getInt("transA", 0) != 0 || a.onnxShape().length != 2) {
            throw ctx.unsupported(node, "Gemm of " + a.describeShape() + (attrs.getInt("transA", 0) != 0
                    ? " with transA=1" : "") + " is not supported (expected a matrix of rows · features)");
        }
        OnnxConstant b = ctx.constant(node, 1, "weight");
        if (b.rank() != 2) {
            throw ctx.corrupt(node, "the weight has shape " + Arrays.toString(b.shape()) + ", expected a matrix");
        }
        Weights w = (attrs.getInt("transB", 0) != 0 ? b : b.transpose(new int[] {1, 0})).toWeights();
        float beta = attrs.getFloat("beta", 1f);
        Weights bias = null;
        if (ctx.hasInput(node, 2) && beta != 0f) {
            bias = DenseOps.scaled(DenseOps.biasVector(node, ctx, ctx.weights(node, 2, "bias"), (int) w.dim(0)),
                    beta);
        }
        dense(node, ctx, a, DenseOps.scaled(w, attrs.getFloat("alpha", 1f)), bias);
    }

    /** A constant matrix product over the last axis: a Dense layer, which broadcasts over the leading axes. */
    private static void dense(OnnxProto.Node node, ImportContext ctx, GraphTensor x, Weights w, Weights bias)
            throws ExplainException {
        long[] shape = x.onnxShape();
        if (w.dim(1) != shape[shape.length - 1]) {
            throw ctx.corrupt(node, "the weight expects " + w.dim(1) + " input features, the input has "
                    + shape[shape.length - 1]);
        }
        shape[shape.length - 1] = w.dim(0);
        emit(node, ctx, new Layer.Dense(w, bias), shape, x);
    }

    private static void binary(OnnxProto.Node node, ImportContext ctx, ConstantOpKind kind) throws ExplainException {
        OnnxValue a = ctx.value(node, 0);
        OnnxValue b = ctx.value(node, 1);
        if (a instanceof GraphTensor ta && b instanceof GraphTensor tb) {
            GraphTensor l = lift(node, ctx, ta, "left_per_sample");
            GraphTensor r = lift(node, ctx, tb, "right_per_sample");
            long[] shape = l.rank() == r.rank() ? TensorOps.broadcastShape(l.onnxShape(), r.onnxShape()) : null;
            if (shape == null) {
                throw ctx.unsupported(node, node.getOpType() + " of tensors of shapes " + l.describeShape()
                        + " and " + r.describeShape() + " is not supported (same rank, broadcasting)");
            }
            emit(node, ctx, ArithmeticOps.twoTensorLayer(node, ctx, kind), shape, l, r);
            return;
        }
        boolean constantFirst = a instanceof OnnxConstant;
        GraphTensor x = (GraphTensor) (constantFirst ? b : a);
        OnnxConstant c = (OnnxConstant) (constantFirst ? a : b);
        long[] xs = x.onnxShape();
        long[] cs = c.shape();
        boolean ok = cs.length <= xs.length && !c.dependsOnBatchSize();
        for (int i = 0; ok && i < cs.length; i++) {
            long d = xs[xs.length - cs.length + i];
            ok = cs[i] == 1 || cs[i] == d;
        }
        if (!ok) {
            throw ctx.unsupported(node, "the constant of shape " + Arrays.toString(cs)
                    + " does not broadcast onto the tensor of shape " + x.describeShape());
        }
        // right-aligned broadcasting is the same with the graph's batch axis in front
        emit(node, ctx, new Layer.ConstantOp(kind, c.toWeights(), constantFirst), xs, x);
    }

    private static void softmax(OnnxProto.Node node, ImportContext ctx) throws ExplainException {
        GraphTensor x = ctx.tensor(node, 0);
        long[] shape = x.onnxShape();
        int axis = ShapeOps.normalizeAxis(node, ctx, OnnxAttributes.of(node).getInt("axis", -1), shape.length);
        emit(node, ctx, new Layer.Softmax(axis == shape.length - 1 ? -1 : axis + 1), shape, x);
    }

    /** The shape of one sample as the export computed it (its batch of 1 included). */
    private static void shape(OnnxProto.Node node, ImportContext ctx) throws ExplainException {
        long[] dims = ctx.tensor(node, 0).onnxShape();
        OnnxAttributes attrs = OnnxAttributes.of(node);
        int rank = dims.length;
        long start = attrs.getInt("start", 0);
        long end = attrs.getInt("end", rank);
        start = Math.max(0, Math.min(rank, start < 0 ? start + rank : start));
        end = Math.max(0, Math.min(rank, end < 0 ? end + rank : end));
        ctx.define(node, OnnxConstant.vector(Arrays.copyOfRange(dims, (int) start, (int) Math.max(start, end))));
    }
}
