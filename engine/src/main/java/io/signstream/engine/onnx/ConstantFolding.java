package io.signstream.engine.onnx;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.onnx.proto.OnnxProto;
import java.util.Arrays;
import java.util.Map;

/**
 * Ops evaluated at import time: Constant, and the shape arithmetic PyTorch emits around reshapes
 * ({@code Shape → Gather → Unsqueeze → Concat → Reshape} for {@code x.view(x.size(0), -1)}). {@code Shape} of a
 * computed tensor is known except for its batch entry, which is carried symbolically as
 * {@link OnnxConstant#BATCH_SIZE}; Reshape then recognises a target that starts with it.
 */
final class ConstantFolding {

    private static final long INT_MAX = Integer.MAX_VALUE;

    private ConstantFolding() {
    }

    static void register(Map<String, OpTranslator> ops) {
        ops.put("Constant", ConstantFolding::constant);
        ops.put("Shape", ConstantFolding::shape);
        ops.put("Gather", ConstantFolding::gather);
        ops.put("Cast", ConstantFolding::cast);
        ops.put("Slice", ConstantFolding::slice);
        ops.put("ConstantOfShape", ConstantFolding::constantOfShape);
        ops.put("Equal", ConstantFolding::equal);
        ops.put("Where", ConstantFolding::where);
        ops.put("Expand", ConstantFolding::expand);
    }

    /** A constant of a known shape filled with one value (default float 0). */
    static void constantOfShape(OnnxProto.Node node, ImportContext ctx) throws ExplainException {
        long[] shape = ctx.longs(node, 0, "shape");
        if (Arrays.stream(shape).anyMatch(d -> d < 0)) {
            throw ctx.unsupported(node, "the shape " + Arrays.toString(shape) + " depends on the batch size");
        }
        OnnxAttributes attrs = OnnxAttributes.of(node);
        OnnxConstant fill = attrs.getTensor("value") != null
                ? OnnxTensors.decode(attrs.getTensor("value"), "ConstantOfShape") : OnnxConstant.ofFloats(
                        new long[0], new float[] {0f});
        int n = (int) OnnxConstant.count(shape);
        ctx.define(node, fill.pick(shape, new int[n]));
    }

    /** Element-wise equality of two constants (1 or 0), as shape arithmetic uses it. */
    static void equal(OnnxProto.Node node, ImportContext ctx) throws ExplainException {
        OnnxConstant a = ctx.constant(node, 0, "left");
        OnnxConstant b = ctx.constant(node, 1, "right");
        if ((a.dependsOnBatchSize() || b.dependsOnBatchSize()) && Arrays.equals(a.shape(), b.shape())) {
            // the batch size N ≥ 1: N = N, and N differs from any value below 1 (the -1 "keep this axis" entries of
            // an exported expand); against a positive value the answer depends on the batch
            long[] out = new long[a.size()];
            for (int i = 0; i < out.length; i++) {
                boolean na = a.longs()[i] == OnnxConstant.BATCH_SIZE;
                boolean nb = b.longs()[i] == OnnxConstant.BATCH_SIZE;
                long other = na ? b.longs()[i] : a.longs()[i];
                if (na != nb && other >= 1) {
                    throw ctx.unsupported(node, "comparing the batch size with " + other + " depends on the batch");
                }
                out[i] = na == nb ? (na || a.longs()[i] == b.longs()[i] ? 1 : 0) : 0;
            }
            ctx.define(node, OnnxConstant.ofLongs(a.shape(), out));
            return;
        }
        try {
            OnnxConstant r = OnnxConstant.broadcast(a, b, (x, y) -> x == y ? 1 : 0);
            ctx.define(node, OnnxConstant.ofLongs(r.shape(), toLongs(r)));
        } catch (IllegalArgumentException e) {
            throw ctx.unsupported(node, "cannot fold: " + e.getMessage());
        }
    }

    /** Where on constants of one shape (the shape arithmetic of an expand). */
    static void where(OnnxProto.Node node, ImportContext ctx) throws ExplainException {
        OnnxConstant c = ctx.constant(node, 0, "condition");
        OnnxConstant a = ctx.constant(node, 1, "x");
        OnnxConstant b = ctx.constant(node, 2, "y");
        if (!Arrays.equals(c.shape(), a.shape()) || !Arrays.equals(c.shape(), b.shape())
                || a.isInteger() != b.isInteger()) {
            throw ctx.unsupported(node, "Where is folded only on constants of one shape and type");
        }
        int[] pick = new int[c.size()];
        boolean[] fromA = new boolean[c.size()];
        for (int i = 0; i < pick.length; i++) {
            fromA[i] = c.get(i) != 0;
            pick[i] = i;
        }
        OnnxConstant fa = a.pick(a.shape(), pick);
        OnnxConstant fb = b.pick(b.shape(), pick);
        if (a.isInteger()) {
            long[] out = new long[pick.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = (long) (fromA[i] ? fa.get(i) : fb.get(i));
            }
            ctx.define(node, OnnxConstant.ofLongs(c.shape(), out));
        } else {
            float[] out = new float[pick.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) (fromA[i] ? fa.get(i) : fb.get(i));
            }
            ctx.define(node, OnnxConstant.ofFloats(c.shape(), out));
        }
    }

    /** Expand of a constant to a known shape (numpy broadcasting, 1 keeps the dimension). */
    static void expand(OnnxProto.Node node, ImportContext ctx) throws ExplainException {
        if (ctx.value(node, 0) instanceof GraphTensor) {
            throw ctx.unsupported(node, "Expand of a tensor computed from the model input is not supported");
        }
        OnnxConstant data = ctx.constant(node, 0, "input");
        long[] shape = ctx.longs(node, 1, "shape");
        if (shape.length == data.rank() && shape.length > 1 && shape[0] == OnnxConstant.BATCH_SIZE
                && data.shape()[0] == 1 && !data.dependsOnBatchSize()
                && Arrays.stream(shape).skip(1).allMatch(d -> d >= 1)) {
            // a one-sample constant expanded to the batch size (a class token with a dynamic batch, or SignStream's
            // own export of a BatchConstant): the graph repeats it for every sample of the input's batch
            long[] target = Arrays.copyOfRange(shape, 1, shape.length);
            OnnxConstant ones = OnnxConstant.ofFloats(withOne(target), new float[(int) OnnxConstant.count(target)]);
            io.signstream.engine.graph.Weights w;
            try {
                w = OnnxConstant.broadcast(data, ones, (x, y) -> x + y).toWeights();
            } catch (IllegalArgumentException e) {
                throw ctx.unsupported(node, "cannot expand the constant: " + e.getMessage());
            }
            long[] sample = Arrays.copyOfRange(w.shape(), 1, w.rank()); // numpy broadcasting: 1 keeps the data's dim
            ctx.emit(node, new io.signstream.engine.graph.Layer.BatchConstant(
                    new io.signstream.engine.graph.Weights(w.data(), sample)), GraphTensor.withBatch(sample),
                    ctx.modelInput());
            return;
        }
        if (Arrays.stream(shape).anyMatch(d -> d < 0)) {
            throw ctx.unsupported(node, "the target shape " + Arrays.toString(shape) + " depends on the batch size");
        }
        try {
            OnnxConstant ones = OnnxConstant.ofFloats(shape, new float[(int) OnnxConstant.count(shape)]);
            ctx.define(node, OnnxConstant.broadcast(data, ones, (x, y) -> x + y));
        } catch (IllegalArgumentException e) {
            throw ctx.unsupported(node, "cannot fold: " + e.getMessage());
        }
    }

    private static long[] withOne(long[] sample) {
        long[] s = new long[sample.length + 1];
        s[0] = 1;
        System.arraycopy(sample, 0, s, 1, sample.length);
        return s;
    }

    private static long[] toLongs(OnnxConstant c) {
        long[] out = new long[c.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (long) c.get(i);
        }
        return out;
    }

    static void constant(OnnxProto.Node node, ImportContext ctx) throws ExplainException {
        OnnxAttributes attrs = OnnxAttributes.of(node);
        OnnxConstant value;
        if (attrs.getTensor("value") != null) {
            value = OnnxTensors.decode(attrs.getTensor("value"), "Constant");
        } else if (attrs.has("value_float")) {
            value = OnnxConstant.ofFloats(new long[0], new float[] {attrs.getFloat("value_float", 0f)});
        } else if (attrs.has("value_floats")) {
            float[] v = attrs.getFloats("value_floats");
            value = OnnxConstant.ofFloats(new long[] {v.length}, v);
        } else if (attrs.has("value_int")) {
            value = OnnxConstant.ofLongs(new long[0], new long[] {attrs.getInt("value_int", 0)});
        } else if (attrs.has("value_ints")) {
            value = OnnxConstant.vector(attrs.getInts("value_ints"));
        } else {
            throw ctx.unsupported(node, "only tensor, float and integer constants are supported");
        }
        ctx.define(node, value);
    }

    static void shape(OnnxProto.Node node, ImportContext ctx) throws ExplainException {
        OnnxValue v = ctx.value(node, 0);
        long[] dims;
        if (v instanceof GraphTensor t) {
            dims = t.shape().clone();
            dims[0] = OnnxConstant.BATCH_SIZE;
        } else {
            dims = ((OnnxConstant) v).shape().clone();
        }
        // Opset 15 start/end select a range of the axes, with Python slice clamping.
        OnnxAttributes attrs = OnnxAttributes.of(node);
        int rank = dims.length;
        int start = (int) clamp(attrs.getInt("start", 0), rank);
        int end = (int) clamp(attrs.getInt("end", rank), rank);
        ctx.define(node, OnnxConstant.vector(Arrays.copyOfRange(dims, start, Math.max(start, end))));
    }

    private static long clamp(long index, int rank) {
        long i = index < 0 ? index + rank : index;
        return Math.max(0, Math.min(rank, i));
    }

    /** numpy's {@code take(data, indices, axis)} on a constant. */
    static void gather(OnnxProto.Node node, ImportContext ctx) throws ExplainException {
        if (ctx.value(node, 0) instanceof GraphTensor t) {
            TensorSlicing.gather(node, ctx, t);
            return;
        }
        OnnxConstant data = ctx.constant(node, 0, "data");
        OnnxConstant indexConst = ctx.constant(node, 1, "indices");
        long[] indices = ctx.longs(node, 1, "indices");
        if (data.rank() == 0) {
            throw ctx.corrupt(node, "cannot gather from a scalar");
        }
        int axis = ShapeOps.normalizeAxis(node, ctx, OnnxAttributes.of(node).getInt("axis", 0), data.rank());
        long[] ds = data.shape();
        long outer = OnnxConstant.count(Arrays.copyOfRange(ds, 0, axis));
        long inner = OnnxConstant.count(Arrays.copyOfRange(ds, axis + 1, ds.length));
        long[] outShape = new long[ds.length - 1 + indexConst.rank()];
        System.arraycopy(ds, 0, outShape, 0, axis);
        System.arraycopy(indexConst.shape(), 0, outShape, axis, indexConst.rank());
        System.arraycopy(ds, axis + 1, outShape, axis + indexConst.rank(), ds.length - axis - 1);
        int[] flat = new int[(int) (outer * indices.length * inner)];
        int pos = 0;
        for (long o = 0; o < outer; o++) {
            for (long index : indices) {
                long i = index < 0 ? index + ds[axis] : index;
                if (i < 0 || i >= ds[axis]) {
                    throw ctx.corrupt(node, "index " + index + " is out of range for length " + ds[axis]);
                }
                for (long k = 0; k < inner; k++) {
                    flat[pos++] = (int) ((o * ds[axis] + i) * inner + k);
                }
            }
        }
        ctx.define(node, data.pick(outShape, flat));
    }

    /** Cast of a constant converts it; a cast of a computed tensor to a float type changes nothing in float32. */
    static void cast(OnnxProto.Node node, ImportContext ctx) throws ExplainException {
        int to = (int) OnnxAttributes.of(node).getInt("to", 0);
        boolean toFloat = to == OnnxTensors.FLOAT || to == OnnxTensors.DOUBLE || to == 10 || to == 16;
        OnnxValue v = ctx.value(node, 0);
        if (v instanceof GraphTensor) {
            if (!toFloat) {
                throw ctx.unsupported(node, "Cast of a computed tensor to " + OnnxTensors.typeName(to)
                        + " is not supported");
            }
            ctx.define(node, v);
            return;
        }
        OnnxConstant c = (OnnxConstant) v;
        if (toFloat) {
            ctx.define(node, c.isInteger() && !c.dependsOnBatchSize() ? OnnxConstant.ofFloats(c.shape(),
                    c.toWeights().data()) : c);
        } else if (c.isInteger()) {
            ctx.define(node, to == OnnxTensors.BOOL ? OnnxConstant.ofLongs(c.shape(),
                    Arrays.stream(c.longs()).map(x -> x != 0 ? 1 : 0).toArray()) : c);
        } else {
            long[] out = new long[c.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = to == OnnxTensors.BOOL ? (c.get(i) != 0 ? 1 : 0) : (long) c.get(i);
            }
            ctx.define(node, OnnxConstant.ofLongs(c.shape(), out));
        }
    }

    /** Slice of a 1-D constant (shape vectors), attributes (opset < 10) or inputs. */
    static void slice(OnnxProto.Node node, ImportContext ctx) throws ExplainException {
        if (ctx.value(node, 0) instanceof GraphTensor t) {
            TensorSlicing.slice(node, ctx, t);
            return;
        }
        OnnxConstant data = ctx.constant(node, 0, "data");
        if (data.rank() != 1) {
            throw ctx.unsupported(node, "Slice is supported on 1-D constants only");
        }
        OnnxAttributes attrs = OnnxAttributes.of(node);
        boolean fromAttrs = attrs.has("starts");
        long[] starts = fromAttrs ? attrs.getInts("starts") : ctx.longs(node, 1, "starts");
        long[] ends = fromAttrs ? attrs.getInts("ends") : ctx.longs(node, 2, "ends");
        long[] axes = fromAttrs ? attrs.getInts("axes") : ctx.hasInput(node, 3) ? ctx.longs(node, 3, "axes") : null;
        long step = !fromAttrs && ctx.hasInput(node, 4) ? ctx.longs(node, 4, "steps")[0] : 1;
        if (starts.length != 1 || ends.length != 1 || (axes != null && (axes.length != 1
                || ShapeOps.normalizeAxis(node, ctx, axes[0], 1) != 0)) || step == 0) {
            throw ctx.unsupported(node, "only a single-axis Slice of a 1-D constant is supported");
        }
        int n = data.size();
        long begin = step > 0 ? clamp(starts[0], n) : Math.min(n - 1, starts[0] < 0 ? starts[0] + n : starts[0]);
        long stop = step > 0 ? clamp(Math.min(ends[0], INT_MAX), n)
                : Math.max(-1, ends[0] < 0 ? Math.max(ends[0] + n, -1) : Math.min(ends[0], n));
        int[] picked = new int[n];
        int count = 0;
        for (long i = begin; step > 0 ? i < stop : i > stop; i += step) {
            picked[count++] = (int) i;
        }
        ctx.define(node, data.pick(new long[] {count}, Arrays.copyOf(picked, count)));
    }
}
