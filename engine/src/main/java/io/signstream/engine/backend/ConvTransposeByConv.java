package io.signstream.engine.backend;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.signstream.engine.graph.ConvSpec;
import java.util.Arrays;

/**
 * The transpose of a convolution written as another convolution, for engines without a transposed-convolution
 * op (DJL 0.28's PyTorch engine throws "Not implemented" from {@code deconvolution}).
 *
 * <p>Per spatial axis, with stride s, dilation d, kernel k, padding p before, input length L: the signal g is
 * up-sampled by s (zeros between its values), padded by (k−1)·d − p before (cropped where that is negative) and
 * correlated with the kernel flipped in space, input and output channels swapped per group, at dilation d and
 * stride 1; the end padding is whatever makes the result L long. Every step is exact (it only moves values and
 * adds zeros), so the result is the adjoint of {@link Backend#conv} to rounding.
 */
final class ConvTransposeByConv {

    private ConvTransposeByConv() {
    }

    static NDArray apply(Backend backend, NDArray g, NDArray w, ConvSpec spec, Shape inputShape) {
        int k = spec.spatialRank();
        NDArray up = g;
        for (int i = 0; i < k; i++) {
            if (spec.strides()[i] > 1) {
                up = upsample(backend, up, 2 + i, spec.strides()[i]);
            }
        }
        int[] padBegin = new int[k];
        int[] padEnd = new int[k];
        long[] cropBegin = new long[2 + k];
        long[] cropEnd = up.getShape().getShape().clone();
        boolean crop = false;
        for (int i = 0; i < k; i++) {
            long length = inputShape.get(2 + i);
            long reach = (w.getShape().get(2 + i) - 1) * spec.dilations()[i];
            long upLength = up.getShape().get(2 + i);
            long before = reach - spec.padBegin()[i];
            long after = length + reach - before - upLength;
            if (before < 0) {
                cropBegin[2 + i] = -before;
                crop = true;
            }
            if (after < 0) {
                cropEnd[2 + i] = upLength + after;
                crop = true;
            }
            padBegin[i] = (int) Math.max(0, before);
            padEnd[i] = (int) Math.max(0, after);
        }
        if (crop) {
            up = up.get(sliceIndex(cropBegin, cropEnd));
        }
        int[] ones = new int[k];
        Arrays.fill(ones, 1);
        ConvSpec gather = new ConvSpec(ones, padBegin, padEnd, spec.dilations(), spec.groups());
        return backend.conv(up, transposedKernel(w, spec.groups(), k), null, gather);
    }

    /** Inserts s − 1 zeros after every value along {@code axis}: length O becomes O·s. */
    private static NDArray upsample(Backend backend, NDArray x, int axis, int s) {
        long[] dims = x.getShape().getShape().clone();
        long[] split = new long[dims.length + 1];
        System.arraycopy(dims, 0, split, 0, axis + 1);
        split[axis + 1] = 1;
        System.arraycopy(dims, axis + 1, split, axis + 2, dims.length - axis - 1);
        long[] begin = new long[split.length];
        long[] end = new long[split.length];
        end[axis + 1] = s - 1;
        NDArray spread = backend.pad(x.reshape(new Shape(split)), begin, end, 0f);
        dims[axis] *= s;
        return spread.reshape(new Shape(dims));
    }

    /** (Cout, Cin/G, k...) to (Cin, Cout/G, k...) per group, flipped along every spatial axis. */
    private static NDArray transposedKernel(NDArray w, int groups, int k) {
        long[] dims = w.getShape().getShape().clone();
        long[] grouped = new long[dims.length + 1];
        grouped[0] = groups;
        grouped[1] = dims[0] / groups;
        System.arraycopy(dims, 1, grouped, 2, dims.length - 1);
        int[] perm = new int[grouped.length];
        for (int i = 0; i < perm.length; i++) {
            perm[i] = i;
        }
        perm[1] = 2;
        perm[2] = 1;
        long[] swapped = dims.clone();
        swapped[0] = dims[1] * groups;
        swapped[1] = dims[0] / groups;
        int[] spatial = new int[k];
        for (int i = 0; i < k; i++) {
            spatial[i] = 2 + i;
        }
        return w.reshape(new Shape(grouped)).transpose(perm).reshape(new Shape(swapped)).flip(spatial);
    }

    private static String sliceIndex(long[] begin, long[] end) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < begin.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(begin[i]).append(':').append(end[i]);
        }
        return sb.toString();
    }
}
