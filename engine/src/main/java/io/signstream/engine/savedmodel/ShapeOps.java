package io.signstream.engine.savedmodel;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.graph.Layer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Reshapes, transposes and concatenation, plus the shape arithmetic TensorFlow graphs build reshape targets with
 * ({@code Shape → StridedSlice → Pack}, as {@code tf.layers.flatten} does). Shape arithmetic is evaluated at
 * import time with the batch size as an unknown ({@link TfConstant#BATCH}).
 *
 * <p>Reshapes and transposes read their input in TensorFlow's own axis order, so that a flatten after a
 * convolution orders features exactly as the model's dense kernel expects.
 */
final class ShapeOps {

    private ShapeOps() {
    }

    static void register(Map<String, OpRule> rules) {
        rules.put("Reshape", (op, s) -> reshape(op, s, s.ints(op, 1)));
        rules.put("Squeeze", ShapeOps::squeeze);
        rules.put("ExpandDims", ShapeOps::expandDims);
        rules.put("Shape", ShapeOps::shape);
        rules.put("StridedSlice", ShapeOps::stridedSlice);
        rules.put("Pack", ShapeOps::pack);
        rules.put("ConcatV2", ShapeOps::concat);
        rules.put("Prod", ShapeOps::prod);
        rules.put("Transpose", ShapeOps::transpose);
    }

    /**
     * @param target TensorFlow's target shape; -1 marks the inferred axis, and the batch size (unknown at import
     *     time) reads as -1 too
     */
    private static TfValue reshape(TfOp op, ImportState s, long[] target) throws ExplainException {
        TfValue v = s.value(op, 0);
        if (v instanceof TfConstant c) {
            try {
                return ConstantMath.reshape(c, target);
            } catch (IllegalArgumentException e) {
                throw s.corrupt(op, e.getMessage());
            }
        }
        TfTensor x = s.builder().channelsLast((TfTensor) v);
        long[] shape = reshapedShape(op, s, x, target);
        if (Arrays.equals(shape, x.shape())) {
            return x;
        }
        Layer layer;
        if (shape.length == 2) {
            layer = new Layer.Flatten(1);
        } else {
            long[] graphShape = shape.clone();
            graphShape[0] = 0; // copy the batch size
            layer = new Layer.Reshape(graphShape);
        }
        return new TfTensor(s.builder().add(op.id(), layer, x.node()), shape, false);
    }

    /** The new TensorFlow shape, batch first as -1; the batch axis must stay where it is. */
    private static long[] reshapedShape(TfOp op, ImportState s, TfTensor x, long[] target) throws ExplainException {
        if (target.length == 0) {
            throw s.unsupported(op, "reshapes a batch to a scalar");
        }
        long size = x.sampleSize();
        long[] rest = Arrays.copyOfRange(target, 1, target.length);
        int infer = -1;
        long known = 1;
        for (int i = 0; i < rest.length; i++) {
            if (rest[i] < 0) {
                if (infer >= 0) {
                    throw s.unsupported(op, "reshapes to " + Arrays.toString(target) + ", which leaves more than "
                            + "one axis besides the batch unknown");
                }
                infer = i;
            } else {
                known *= rest[i];
            }
        }
        if (infer >= 0) {
            rest[infer] = known == 0 ? 0 : size / known;
            known *= rest[infer];
        }
        // target[0] is the batch: -1 (inferred or unknown) or, in graphs exported for a fixed batch, its size.
        if (known != size || (target[0] >= 0 && infer >= 0)) {
            throw s.unsupported(op, "reshapes " + x.describe() + " to " + Arrays.toString(target)
                    + ", which moves values across the batch axis; only reshapes within each sample are supported");
        }
        long[] shape = new long[target.length];
        shape[0] = -1;
        System.arraycopy(rest, 0, shape, 1, rest.length);
        return shape;
    }

    private static TfValue squeeze(TfOp op, ImportState s) throws ExplainException {
        TfValue v = s.value(op, 0);
        long[] shape = v instanceof TfTensor t ? t.shape() : ((TfConstant) v).shape();
        long[] dims = s.intsAttr(op, "squeeze_dims");
        int r = shape.length;
        boolean[] drop = new boolean[r];
        if (dims == null || dims.length == 0) {
            for (int i = 1; i < r; i++) {
                drop[i] = shape[i] == 1;
            }
        } else {
            for (long d : dims) {
                int a = (int) (d < 0 ? d + r : d);
                boolean batchAxis = a == 0 && v instanceof TfTensor;
                if (batchAxis || a < 0 || a >= r || shape[a] != 1) {
                    throw s.unsupported(op, "squeezes axis " + d + " of shape " + Arrays.toString(shape));
                }
                drop[a] = true;
            }
        }
        List<Long> kept = new ArrayList<>();
        for (int i = 0; i < r; i++) {
            if (!drop[i]) {
                kept.add(shape[i]);
            }
        }
        return reshape(op, s, kept.stream().mapToLong(Long::longValue).toArray());
    }

    private static TfValue expandDims(TfOp op, ImportState s) throws ExplainException {
        TfValue v = s.value(op, 0);
        long[] shape = v instanceof TfTensor t ? t.shape() : ((TfConstant) v).shape();
        long axis = s.ints(op, 1)[0];
        int a = (int) (axis < 0 ? axis + shape.length + 1 : axis);
        if (a < 0 || a > shape.length || (a == 0 && v instanceof TfTensor)) {
            throw s.unsupported(op, "inserts axis " + axis + " into shape " + Arrays.toString(shape));
        }
        long[] out = new long[shape.length + 1];
        for (int i = 0, j = 0; i < out.length; i++) {
            out[i] = i == a ? 1 : shape[j++];
        }
        return reshape(op, s, out);
    }

    private static TfValue shape(TfOp op, ImportState s) throws ExplainException {
        TfValue v = s.value(op, 0);
        if (v instanceof TfConstant c) {
            return TfConstant.vector(Arrays.stream(c.shape()).asDoubleStream().toArray());
        }
        long[] shape = ((TfTensor) v).shape();
        double[] out = new double[shape.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = i == 0 ? TfConstant.BATCH : shape[i];
        }
        return TfConstant.vector(out);
    }

    /** {@code x[begin:end:stride]} on a 1-D constant (a shape vector), with the begin/end/shrink masks. */
    private static TfValue stridedSlice(TfOp op, ImportState s) throws ExplainException {
        TfConstant c = s.constant(op, 0);
        long[] begin = s.ints(op, 1);
        long[] end = s.ints(op, 2);
        long[] strides = s.ints(op, 3);
        if (c.rank() != 1 || begin.length != 1 || s.intAttr(op, "ellipsis_mask", 0) != 0
                || s.intAttr(op, "new_axis_mask", 0) != 0 || strides[0] <= 0) {
            throw s.unsupported(op, "slices in a way only 1-D forward slices of constants are supported for");
        }
        int n = c.size();
        long b = (s.intAttr(op, "begin_mask", 0) & 1) != 0 ? 0 : clamp(begin[0], n);
        long e = (s.intAttr(op, "end_mask", 0) & 1) != 0 ? n : clamp(end[0], n);
        if ((s.intAttr(op, "shrink_axis_mask", 0) & 1) != 0) {
            if (b >= n) {
                throw s.corrupt(op, "takes element " + begin[0] + " of " + n);
            }
            return TfConstant.scalar(c.data()[(int) b]);
        }
        List<Double> out = new ArrayList<>();
        for (long i = b; i < e; i += strides[0]) {
            out.add(c.data()[(int) i]);
        }
        return TfConstant.vector(out.stream().mapToDouble(Double::doubleValue).toArray());
    }

    private static long clamp(long index, int n) {
        long i = index < 0 ? index + n : index;
        return Math.max(0, Math.min(i, n));
    }

    /** {@code tf.stack} of constants along axis 0 (shape vectors built from scalars). */
    private static TfValue pack(TfOp op, ImportState s) throws ExplainException {
        List<TfConstant> parts = new ArrayList<>();
        for (int i = 0; i < op.inputs().size(); i++) {
            parts.add(s.constant(op, i));
        }
        if (s.intAttr(op, "axis", 0) != 0) {
            throw s.unsupported(op, "stacks along axis " + s.intAttr(op, "axis", 0) + "; only axis 0 is supported");
        }
        List<TfConstant> rows = new ArrayList<>();
        for (TfConstant p : parts) {
            long[] shape = new long[p.rank() + 1];
            shape[0] = 1;
            System.arraycopy(p.shape(), 0, shape, 1, p.rank());
            rows.add(new TfConstant(p.data(), shape));
        }
        try {
            return ConstantMath.concat(rows, 0);
        } catch (IllegalArgumentException e) {
            throw s.corrupt(op, e.getMessage());
        }
    }

    /** {@code ConcatV2(values..., axis)}: constants fold; tensors become a concat node (not along the batch). */
    private static TfValue concat(TfOp op, ImportState s) throws ExplainException {
        int n = op.inputs().size() - 1;
        long axis = s.ints(op, n)[0];
        List<TfValue> values = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            values.add(s.value(op, i));
        }
        if (values.stream().allMatch(v -> v instanceof TfConstant)) {
            List<TfConstant> parts = values.stream().map(v -> (TfConstant) v).toList();
            try {
                return ConstantMath.concat(parts, (int) (axis < 0 ? axis + parts.get(0).rank() : axis));
            } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
                throw s.corrupt(op, "concatenates constants that do not fit: " + e.getMessage());
            }
        }
        if (!values.stream().allMatch(v -> v instanceof TfTensor)) {
            throw s.unsupported(op, "concatenates a constant with tensors computed from the model input");
        }
        GraphBuilder g = s.builder();
        TfTensor first = (TfTensor) values.get(0);
        int r = first.rank();
        int a = (int) (axis < 0 ? axis + r : axis);
        if (a <= 0 || a >= r) {
            throw s.unsupported(op, "concatenates along axis " + axis + "; only non-batch axes are supported");
        }
        long[] shape = first.shape().clone();
        shape[a] = 0;
        List<String> inputs = new ArrayList<>();
        for (TfValue v : values) {
            TfTensor t = g.like((TfTensor) v, first);
            for (int d = 1; d < r; d++) {
                if (t.rank() != r || (d != a && t.shape()[d] != first.shape()[d])) {
                    throw s.corrupt(op, "concatenates " + first.describe() + " with " + t.describe());
                }
            }
            shape[a] += t.shape()[a];
            inputs.add(t.node());
        }
        return new TfTensor(g.add(op.id(), new Layer.Concat(first.graphAxis(a)), inputs), shape,
                first.channelsFirst());
    }

    /** The product of a 1-D constant (the element count of a shape), as {@code tf.reduce_prod} computes it. */
    private static TfValue prod(TfOp op, ImportState s) throws ExplainException {
        TfConstant c = s.constant(op, 0);
        if (c.rank() != 1) {
            throw s.unsupported(op, "reduces a constant of rank " + c.rank() + "; only 1-D products are supported");
        }
        double p = 1;
        for (double d : c.data()) {
            p *= d;
        }
        return s.boolAttr(op, "keep_dims", false) ? TfConstant.vector(p) : TfConstant.scalar(p);
    }

    private static TfValue transpose(TfOp op, ImportState s) throws ExplainException {
        TfValue v = s.value(op, 0);
        int[] perm = Arrays.stream(s.ints(op, 1)).mapToInt(l -> (int) l).toArray();
        if (v instanceof TfConstant c) {
            return ConstantMath.transpose(c, perm);
        }
        TfTensor x = s.builder().channelsLast((TfTensor) v);
        if (perm.length != x.rank() || perm[0] != 0) {
            throw s.unsupported(op, "permutes axes " + Arrays.toString(perm) + " of " + x.describe()
                    + "; the batch axis must stay first");
        }
        long[] shape = new long[perm.length];
        for (int i = 0; i < perm.length; i++) {
            shape[i] = x.shape()[perm[i]];
        }
        return new TfTensor(s.builder().add(op.id(), new Layer.Transpose(perm), x.node()), shape, false);
    }
}
