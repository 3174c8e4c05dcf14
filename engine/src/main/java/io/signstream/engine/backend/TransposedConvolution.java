package io.signstream.engine.backend;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import io.signstream.engine.graph.ConvSpec;

/**
 * The transpose of a convolution written as an ordinary convolution, for engines whose DJL binding has no
 * transposed convolution (DJL 0.28's PyTorch {@code deconvolution} throws "Not implemented").
 *
 * <p>Per spatial axis, with stride s, dilation d, kernel K and leading pad p: insert s−1 zeros between the
 * upstream values, pad by (K−1)·d − p on the left (crop when negative) and up to the input length on the right,
 * then cross-correlate with the spatially flipped kernel whose in/out channels are swapped group by group.
 */
final class TransposedConvolution {

    private TransposedConvolution() {
    }

    static NDArray apply(Backend backend, NDArray g, NDArray w, ConvSpec spec, Shape inputShape) {
        return apply(backend, g, w, flippedTransposedKernel(w, spec.groups()), spec, inputShape);
    }

    /**
     * As {@link #apply(Backend, NDArray, NDArray, ConvSpec, Shape)} with the kernel already flipped and transposed
     * ({@link #flippedTransposedKernel}), which a caller may keep across calls.
     */
    static NDArray apply(Backend backend, NDArray g, NDArray w, NDArray flipped, ConvSpec spec, Shape inputShape) {
        int k = spec.spatialRank();
        NDArray signal = g;
        for (int i = 0; i < k; i++) {
            signal = zeroInsert(signal, 2 + i, spec.strides()[i]);
        }
        int rank = signal.getShape().dimension();
        long[] left = new long[rank];
        long[] right = new long[rank];
        for (int i = 0; i < k; i++) {
            long kernel = w.getShape().get(2 + i);
            long reach = (kernel - 1) * spec.dilations()[i];
            left[2 + i] = reach - spec.padBegin()[i];
            right[2 + i] = inputShape.get(2 + i) + reach - (signal.getShape().get(2 + i) + left[2 + i]);
        }
        signal = padOrCrop(backend, signal, left, right);
        int[] ones = new int[k];
        java.util.Arrays.fill(ones, 1);
        ConvSpec plain = new ConvSpec(ones, new int[k], new int[k], spec.dilations(), spec.groups());
        return backend.conv(signal, flipped, null, plain);
    }

    /**
     * The padding of the equivalent ordinary convolution when it needs nothing else: stride 1 and the same amount
     * on both sides of every axis (the usual "same" convolution). Null otherwise.
     */
    static int[] symmetricPadding(Shape wShape, ConvSpec spec, Shape gShape, Shape inputShape) {
        int k = spec.spatialRank();
        int[] pads = new int[k];
        for (int i = 0; i < k; i++) {
            if (spec.strides()[i] != 1) {
                return null;
            }
            long reach = (wShape.get(2 + i) - 1) * spec.dilations()[i];
            long left = reach - spec.padBegin()[i];
            long right = inputShape.get(2 + i) + reach - (gShape.get(2 + i) + left);
            if (left < 0 || left != right) {
                return null;
            }
            pads[i] = (int) left;
        }
        return pads;
    }

    /** (Cout, Cin/g, k...) → (Cin, Cout/g, k...) with every spatial axis reversed. */
    static NDArray flippedTransposedKernel(NDArray w, int groups) {
        int[] spatial = new int[w.getShape().dimension() - 2];
        for (int i = 0; i < spatial.length; i++) {
            spatial[i] = 2 + i;
        }
        // flip() of libtorch copies, so the result owns its memory (a strided view would slow every use)
        return transposedKernel(w, groups).flip(spatial);
    }

    /** (Cout, Cin/g, k...) → (Cin, Cout/g, k...): in and out channels swapped group by group. */
    static NDArray transposedKernel(NDArray w, int groups) {
        long[] dims = w.getShape().getShape().clone();
        long cout = dims[0];
        long cinPerGroup = dims[1];
        long[] grouped = new long[dims.length + 1];
        grouped[0] = groups;
        grouped[1] = cout / groups;
        grouped[2] = cinPerGroup;
        System.arraycopy(dims, 2, grouped, 3, dims.length - 2);
        int[] perm = new int[grouped.length];
        for (int i = 0; i < perm.length; i++) {
            perm[i] = i;
        }
        perm[1] = 2;
        perm[2] = 1;
        long[] out = dims.clone();
        out[0] = cinPerGroup * groups;
        out[1] = cout / groups;
        return w.reshape(new Shape(grouped)).transpose(perm).reshape(new Shape(out));
    }

    /** Inserts stride−1 zeros between neighbours along {@code axis}. */
    private static NDArray zeroInsert(NDArray x, int axis, int stride) {
        if (stride == 1) {
            return x;
        }
        long length = x.getShape().get(axis);
        NDArray expanded = x.expandDims(axis + 1);
        long[] zerosDims = expanded.getShape().getShape().clone();
        zerosDims[axis + 1] = stride - 1;
        NDArray interleaved = NDArrays.concat(
                new NDList(expanded, x.getManager().zeros(new Shape(zerosDims), x.getDataType())), axis + 1);
        long[] merged = x.getShape().getShape().clone();
        merged[axis] = length * stride;
        NDArray flat = interleaved.reshape(new Shape(merged));
        return flat.get(SliceIndex.along(flat.getShape().dimension(), axis, 0, (length - 1) * stride + 1));
    }

    private static NDArray padOrCrop(Backend backend, NDArray x, long[] left, long[] right) {
        int rank = left.length;
        long[] padLeft = new long[rank];
        long[] padRight = new long[rank];
        boolean crop = false;
        for (int i = 0; i < rank; i++) {
            padLeft[i] = Math.max(0, left[i]);
            padRight[i] = Math.max(0, right[i]);
            crop |= left[i] < 0 || right[i] < 0;
        }
        NDArray out = backend.pad(x, padLeft, padRight, 0f);
        if (!crop) {
            return out;
        }
        StringBuilder index = new StringBuilder();
        for (int i = 0; i < rank; i++) {
            if (i > 0) {
                index.append(',');
            }
            long from = left[i] < 0 ? -left[i] : 0;
            long to = out.getShape().get(i) - (right[i] < 0 ? -right[i] : 0);
            index.append(from).append(':').append(to);
        }
        return out.get(index.toString());
    }
}
