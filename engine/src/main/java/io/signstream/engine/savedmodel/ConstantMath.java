package io.signstream.engine.savedmodel;

import java.util.Arrays;
import java.util.List;
import java.util.function.DoubleBinaryOperator;

/** Arithmetic on import-time constants: what TensorFlow would compute from constants alone is folded away. */
final class ConstantMath {

    private ConstantMath() {
    }

    /**
     * Element-wise {@code a op b} with NumPy broadcasting.
     *
     * @throws IllegalArgumentException when the shapes do not broadcast
     */
    static TfConstant binary(TfConstant a, TfConstant b, DoubleBinaryOperator op) {
        long[] shape = broadcastShape(a.shape(), b.shape());
        double[] out = new double[(int) TfConstant.count(shape)];
        long[] ia = strides(a.shape(), shape.length);
        long[] ib = strides(b.shape(), shape.length);
        int[] index = new int[shape.length];
        for (int k = 0; k < out.length; k++) {
            long pa = 0;
            long pb = 0;
            for (int d = 0; d < shape.length; d++) {
                pa += index[d] * ia[d];
                pb += index[d] * ib[d];
            }
            out[k] = op.applyAsDouble(a.data()[(int) pa], b.data()[(int) pb]);
            for (int d = shape.length - 1; d >= 0 && ++index[d] == shape[d]; d--) {
                index[d] = 0;
            }
        }
        return new TfConstant(out, shape);
    }

    static long[] broadcastShape(long[] a, long[] b) {
        int rank = Math.max(a.length, b.length);
        long[] shape = new long[rank];
        for (int i = 0; i < rank; i++) {
            long da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            long db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b)
                        + " do not broadcast");
            }
            shape[i] = da == 1 ? db : da;
        }
        return shape;
    }

    /** Element strides of {@code shape} right-aligned in {@code rank} axes; broadcast axes get stride 0. */
    private static long[] strides(long[] shape, int rank) {
        long[] s = new long[rank];
        long step = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[rank - shape.length + i] = shape[i] == 1 ? 0 : step;
            step *= shape[i];
        }
        return s;
    }

    /** {@code numpy.transpose(c, perm)}: output axis i is input axis perm[i]. */
    static TfConstant transpose(TfConstant c, int[] perm) {
        long[] in = c.shape();
        long[] shape = new long[perm.length];
        for (int i = 0; i < perm.length; i++) {
            shape[i] = in[perm[i]];
        }
        long[] inStrides = new long[in.length];
        long step = 1;
        for (int i = in.length - 1; i >= 0; i--) {
            inStrides[i] = step;
            step *= in[i];
        }
        double[] out = new double[c.size()];
        int[] index = new int[shape.length];
        for (int k = 0; k < out.length; k++) {
            long p = 0;
            for (int d = 0; d < shape.length; d++) {
                p += index[d] * inStrides[perm[d]];
            }
            out[k] = c.data()[(int) p];
            for (int d = shape.length - 1; d >= 0 && ++index[d] == shape[d]; d--) {
                index[d] = 0;
            }
        }
        return new TfConstant(out, shape);
    }

    /** Concatenation along {@code axis} of constants whose other axes agree. */
    static TfConstant concat(List<TfConstant> parts, int axis) {
        long[] shape = parts.get(0).shape().clone();
        shape[axis] = 0;
        for (TfConstant p : parts) {
            if (p.rank() != shape.length) {
                throw new IllegalArgumentException("concatenated constants differ in rank");
            }
            for (int d = 0; d < shape.length; d++) {
                if (d != axis && p.shape()[d] != shape[d]) {
                    throw new IllegalArgumentException("concatenated constants differ on axis " + d);
                }
            }
            shape[axis] += p.shape()[axis];
        }
        long outer = 1;
        for (int d = 0; d < axis; d++) {
            outer *= shape[d];
        }
        double[] out = new double[(int) TfConstant.count(shape)];
        int k = 0;
        for (long o = 0; o < outer; o++) {
            for (TfConstant p : parts) {
                int block = (int) (p.size() / Math.max(outer, 1));
                System.arraycopy(p.data(), (int) (o * block), out, k, block);
                k += block;
            }
        }
        return new TfConstant(out, shape);
    }

    /** Same values, new shape; one -1 entry is inferred. */
    static TfConstant reshape(TfConstant c, long[] target) {
        long[] shape = target.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == -1 && infer < 0) {
                infer = i;
            } else if (shape[i] < 0) {
                throw new IllegalArgumentException("reshape target " + Arrays.toString(target));
            } else {
                known *= shape[i];
            }
        }
        if (infer >= 0) {
            shape[infer] = known == 0 ? 0 : c.size() / known;
        }
        return new TfConstant(c.data(), shape);
    }
}
