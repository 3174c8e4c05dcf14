package io.signstream.engine.onnx;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.onnx.proto.OnnxProto;
import java.util.Arrays;

/**
 * Slice and Gather of a tensor computed from the model input, along axes other than the batch: ViT's class token
 * ({@code x[:, 0]}, exported as a Gather of index 0 along axis 1), the query/key/value thirds of a fused attention
 * projection (Slice along the last axis). Each becomes {@link Layer.Slice} nodes, a Gather of one index a slice
 * followed by a reshape that drops the axis. Works on batch-first and per-sample ({@link PerSampleOps}) tensors.
 */
final class TensorSlicing {

    private TensorSlicing() {
    }

    /** Slice with unit steps along any non-batch axes (starts/ends/axes from the inputs or, before opset 10, attributes). */
    static void slice(OnnxProto.Node node, ImportContext ctx, GraphTensor x) throws ExplainException {
        OnnxAttributes attrs = OnnxAttributes.of(node);
        boolean fromAttrs = attrs.has("starts");
        long[] starts = fromAttrs ? attrs.getInts("starts") : ctx.longs(node, 1, "starts");
        long[] ends = fromAttrs ? attrs.getInts("ends") : ctx.longs(node, 2, "ends");
        long[] shape = x.onnxShape();
        long[] axes = fromAttrs ? attrs.getInts("axes") : ctx.hasInput(node, 3) ? ctx.longs(node, 3, "axes") : null;
        if (axes == null) {
            axes = new long[starts.length];
            Arrays.setAll(axes, i -> i);
        }
        long[] steps = !fromAttrs && ctx.hasInput(node, 4) ? ctx.longs(node, 4, "steps") : null;
        if (starts.length != ends.length || starts.length != axes.length
                || (steps != null && steps.length != starts.length)) {
            throw ctx.corrupt(node, "starts, ends, axes and steps differ in length");
        }
        GraphTensor current = x;
        long[] out = shape.clone();
        int offset = x.perSample() ? 1 : 0;
        int pending = 0;
        int[] axis = new int[starts.length];
        long[] begin = new long[starts.length];
        long[] stop = new long[starts.length];
        for (int i = 0; i < starts.length; i++) {
            if (steps != null && steps[i] != 1) {
                throw ctx.unsupported(node, "Slice with step " + steps[i] + " of a computed tensor is not supported");
            }
            int a = ShapeOps.normalizeAxis(node, ctx, axes[i], shape.length);
            if (a == 0 && !x.perSample()) {
                throw ctx.unsupported(node, "Slice along the batch axis is not supported");
            }
            long len = shape[a];
            long b = clamp(starts[i] < 0 ? starts[i] + len : starts[i], len);
            long e = clamp(ends[i] < 0 ? ends[i] + len : Math.min(ends[i], len), len);
            if (e <= b) {
                throw ctx.unsupported(node, "the Slice along axis " + a + " would be empty");
            }
            if (b == 0 && e == len) {
                continue; // the whole axis
            }
            axis[pending] = a;
            begin[pending] = b;
            stop[pending] = e;
            pending++;
        }
        if (pending == 0) {
            ctx.define(node, x);
            return;
        }
        for (int k = 0; k < pending; k++) {
            out[axis[k]] = stop[k] - begin[k];
            Layer layer = new Layer.Slice(axis[k] + offset, begin[k], stop[k]);
            if (k < pending - 1) {
                current = ctx.emitExtra(node, "slice" + k, layer, graphShape(out, x.perSample()), x.perSample(),
                        current);
            } else {
                emit(node, ctx, layer, out.clone(), x.perSample(), current);
            }
        }
    }

    /** Gather of one constant index along a non-batch axis: a slice of length 1, the axis dropped for a scalar index. */
    static void gather(OnnxProto.Node node, ImportContext ctx, GraphTensor x) throws ExplainException {
        OnnxConstant indices = ctx.constant(node, 1, "indices");
        long[] shape = x.onnxShape();
        int a = ShapeOps.normalizeAxis(node, ctx, OnnxAttributes.of(node).getInt("axis", 0), shape.length);
        if (a == 0 && !x.perSample()) {
            throw ctx.unsupported(node, "Gather along the batch axis is not supported");
        }
        if (indices.size() != 1 || indices.rank() > 1) {
            throw ctx.unsupported(node, "Gather of " + indices.size() + " indices of shape "
                    + Arrays.toString(indices.shape()) + " from a computed tensor is not supported (one index only)");
        }
        long index = ctx.longs(node, 1, "indices")[0];
        long i = index < 0 ? index + shape[a] : index;
        if (i < 0 || i >= shape[a]) {
            throw ctx.corrupt(node, "index " + index + " is out of range for length " + shape[a]);
        }
        int offset = x.perSample() ? 1 : 0;
        Layer slice = new Layer.Slice(a + offset, i, i + 1);
        long[] sliced = shape.clone();
        sliced[a] = 1;
        if (indices.rank() == 1) {
            emit(node, ctx, slice, sliced, x.perSample(), x);
            return;
        }
        GraphTensor s = ctx.emitExtra(node, "slice", slice, graphShape(sliced, x.perSample()), x.perSample(), x);
        long[] out = new long[shape.length - 1];
        for (int k = 0, j = 0; k < shape.length; k++) {
            if (k != a) {
                out[j++] = shape[k];
            }
        }
        long[] perSampleDims = x.perSample() ? out : Arrays.copyOfRange(out, 1, out.length);
        long[] target = GraphTensor.withBatch(perSampleDims);
        target[0] = -1;
        Layer drop = perSampleDims.length == 1 ? new Layer.Flatten(1) : new Layer.Reshape(target);
        emit(node, ctx, drop, out, x.perSample(), s);
    }

    private static void emit(OnnxProto.Node node, ImportContext ctx, Layer layer, long[] onnxShape, boolean perSample,
            GraphTensor in) throws ExplainException {
        if (perSample) {
            PerSampleOps.emit(node, ctx, layer, onnxShape, in);
        } else {
            ctx.emit(node, layer, onnxShape, in);
        }
    }

    private static long[] graphShape(long[] onnxShape, boolean perSample) {
        return perSample ? GraphTensor.withBatch(onnxShape) : onnxShape.clone();
    }

    private static long clamp(long i, long len) {
        return Math.max(0, Math.min(len, i));
    }
}
