package io.signstream.engine.onnx;

import io.signstream.engine.graph.Weights;
import java.util.Arrays;
import java.util.List;
import java.util.function.DoubleBinaryOperator;

/**
 * A tensor known at import time, in C order: floating-point values (weights) or integers (shapes, axes, pads).
 * Exactly one of {@code floats} and {@code longs} is non-null.
 *
 * <p>Integer constants may hold {@link #BATCH_SIZE} for an entry that is the batch size: that is what
 * {@code Shape(x)[0]} evaluates to, and what lets the PyTorch flatten idiom
 * {@code Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)), [-1]))} fold into a plain flatten.
 */
record OnnxConstant(long[] shape, float[] floats, long[] longs) implements OnnxValue {

    /** Placeholder for "the batch size", only known at run time. */
    static final long BATCH_SIZE = Long.MIN_VALUE;

    OnnxConstant {
        if ((floats == null) == (longs == null)) {
            throw new IllegalArgumentException("a constant holds either floats or integers");
        }
        long n = count(shape);
        int actual = floats != null ? floats.length : longs.length;
        if (n != actual) {
            throw new IllegalArgumentException(
                    "constant of shape " + Arrays.toString(shape) + " needs " + n + " values, has " + actual);
        }
    }

    static OnnxConstant ofFloats(long[] shape, float[] values) {
        return new OnnxConstant(shape, values, null);
    }

    static OnnxConstant ofLongs(long[] shape, long[] values) {
        return new OnnxConstant(shape, null, values);
    }

    static OnnxConstant vector(long... values) {
        return ofLongs(new long[] {values.length}, values);
    }

    static long count(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            }
            n *= d;
        }
        return n;
    }

    boolean isInteger() {
        return longs != null;
    }

    int rank() {
        return shape.length;
    }

    int size() {
        return floats != null ? floats.length : longs.length;
    }

    boolean dependsOnBatchSize() {
        return longs != null && Arrays.stream(longs).anyMatch(v -> v == BATCH_SIZE);
    }

    double get(int i) {
        return floats != null ? floats[i] : longs[i];
    }

    /** The values as float32 weights; integers are converted (a constant of a real model can be either). */
    Weights toWeights() {
        if (dependsOnBatchSize()) {
            throw new IllegalArgumentException("the constant depends on the batch size");
        }
        float[] data = floats != null ? floats.clone() : new float[longs.length];
        if (floats == null) {
            for (int i = 0; i < longs.length; i++) {
                data[i] = longs[i];
            }
        }
        return new Weights(data, shape.clone());
    }

    /** The values as integers; float values must be whole numbers (some exporters store shapes as floats). */
    long[] toLongs() {
        if (longs != null) {
            return longs.clone();
        }
        long[] out = new long[floats.length];
        for (int i = 0; i < floats.length; i++) {
            if (floats[i] != Math.rint(floats[i])) {
                throw new IllegalArgumentException("expected integers, found " + floats[i]);
            }
            out[i] = (long) floats[i];
        }
        return out;
    }

    OnnxConstant reshape(long[] newShape) {
        return new OnnxConstant(newShape, floats, longs);
    }

    /** Axis permutation, numpy's {@code transpose(perm)}. */
    OnnxConstant transpose(int[] perm) {
        int rank = rank();
        long[] outShape = new long[rank];
        for (int i = 0; i < rank; i++) {
            outShape[i] = shape[perm[i]];
        }
        long[] inStrides = strides(shape);
        int n = size();
        int[] source = new int[n];
        int[] index = new int[rank];
        for (int flat = 0; flat < n; flat++) {
            long offset = 0;
            for (int i = 0; i < rank; i++) {
                offset += index[i] * inStrides[perm[i]];
            }
            source[flat] = (int) offset;
            increment(index, outShape);
        }
        return pick(outShape, source);
    }

    /** Concatenation along {@code axis} of constants of equal rank and kind. */
    static OnnxConstant concat(List<OnnxConstant> parts, int axis) {
        OnnxConstant first = parts.get(0);
        long[] outShape = first.shape.clone();
        outShape[axis] = 0;
        boolean integer = parts.stream().allMatch(OnnxConstant::isInteger);
        for (OnnxConstant p : parts) {
            if (p.rank() != first.rank()) {
                throw new IllegalArgumentException("Concat of constants of different ranks");
            }
            outShape[axis] += p.shape[axis];
        }
        long outer = 1;
        for (int i = 0; i < axis; i++) {
            outer *= first.shape[i];
        }
        int total = (int) count(outShape);
        float[] f = integer ? null : new float[total];
        long[] l = integer ? new long[total] : null;
        int pos = 0;
        for (long o = 0; o < outer; o++) {
            for (OnnxConstant p : parts) {
                int block = (int) (p.size() / Math.max(outer, 1));
                for (int k = 0; k < block; k++) {
                    int src = (int) (o * block + k);
                    if (integer) {
                        l[pos++] = p.longs[src];
                    } else {
                        f[pos++] = (float) p.get(src);
                    }
                }
            }
        }
        return new OnnxConstant(outShape, f, l);
    }

    /** Values at the given flat indices, as a constant of the given shape. */
    OnnxConstant pick(long[] outShape, int[] flatIndices) {
        if (floats != null) {
            float[] out = new float[flatIndices.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = floats[flatIndices[i]];
            }
            return ofFloats(outShape, out);
        }
        long[] out = new long[flatIndices.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = longs[flatIndices[i]];
        }
        return ofLongs(outShape, out);
    }

    /**
     * Element-wise arithmetic of two constants with numpy broadcasting; integer inputs give an integer result
     * (ONNX requires both operands to have the same type).
     */
    static OnnxConstant broadcast(OnnxConstant a, OnnxConstant b, DoubleBinaryOperator op) {
        if (a.dependsOnBatchSize() || b.dependsOnBatchSize()) {
            throw new IllegalArgumentException("arithmetic on the batch size cannot be folded");
        }
        int rank = Math.max(a.rank(), b.rank());
        long[] outShape = new long[rank];
        for (int i = 0; i < rank; i++) {
            long da = dimFromRight(a.shape, rank - 1 - i);
            long db = dimFromRight(b.shape, rank - 1 - i);
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("shapes " + Arrays.toString(a.shape) + " and "
                        + Arrays.toString(b.shape) + " do not broadcast");
            }
            outShape[i] = da == 1 ? db : da;
        }
        int n = (int) count(outShape);
        double[] values = new double[n];
        int[] index = new int[rank];
        for (int flat = 0; flat < n; flat++) {
            values[flat] = op.applyAsDouble(a.get(broadcastOffset(a.shape, index, rank)),
                    b.get(broadcastOffset(b.shape, index, rank)));
            increment(index, outShape);
        }
        if (a.isInteger() && b.isInteger()) {
            return ofLongs(outShape, Arrays.stream(values).mapToLong(v -> (long) v).toArray());
        }
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) values[i];
        }
        return ofFloats(outShape, f);
    }

    private static long dimFromRight(long[] shape, int fromRight) {
        int axis = shape.length - 1 - fromRight;
        return axis >= 0 ? shape[axis] : 1;
    }

    private static int broadcastOffset(long[] shape, int[] outIndex, int outRank) {
        int offset = 0;
        int lead = outRank - shape.length;
        long stride = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            int idx = shape[i] == 1 ? 0 : outIndex[lead + i];
            offset += idx * stride;
            stride *= shape[i];
        }
        return offset;
    }

    private static long[] strides(long[] shape) {
        long[] s = new long[shape.length];
        long acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }

    /** Advances a multi-index in C order. */
    private static void increment(int[] index, long[] shape) {
        for (int i = index.length - 1; i >= 0; i--) {
            if (++index[i] < shape[i]) {
                return;
            }
            index[i] = 0;
        }
    }

    @Override
    public String toString() {
        String values = floats != null ? Arrays.toString(Arrays.copyOf(floats, Math.min(8, floats.length)))
                : Arrays.toString(Arrays.copyOf(longs, Math.min(8, longs.length)));
        return "constant" + Arrays.toString(shape) + " " + values + (size() > 8 ? "..." : "");
    }
}
