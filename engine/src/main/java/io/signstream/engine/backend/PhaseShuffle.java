package io.signstream.engine.backend;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Interleaves phases back into one signal (a pixel shuffle): x (N, C, f1..fk, m1..mk), phase r of axis i
 * holding positions m·f<sub>i</sub> + r, becomes (N, C, m1·f1, ..., mk·fk). Strided transposed convolutions
 * ({@link PhaseTransposedConvolution}) and per-window pooling gradients ({@code exec.Pooling}) both end this way.
 *
 * <pre>{@code
 * NDArray signal = PhaseShuffle.interleave(phases, n, c, new int[] {2, 2}, new long[] {8, 8}); // (n, c, 16, 16)
 * }</pre>
 */
public final class PhaseShuffle {

    private PhaseShuffle() {
    }

    /**
     * @param x the phases, (n, c, factors..., lengths...) in any shape with that many elements
     * @param factors phases per spatial axis
     * @param lengths positions per phase and spatial axis
     */
    public static NDArray interleave(NDArray x, long n, long c, int[] factors, long[] lengths) {
        int k = factors.length;
        long[] split = new long[2 + 2 * k];
        int[] perm = new int[2 + 2 * k];
        long[] merged = new long[2 + k];
        split[0] = n;
        split[1] = c;
        perm[1] = 1;
        merged[0] = n;
        merged[1] = c;
        for (int i = 0; i < k; i++) {
            split[2 + i] = factors[i];
            split[2 + k + i] = lengths[i];
            perm[2 + 2 * i] = 2 + k + i;
            perm[3 + 2 * i] = 2 + i;
            merged[2 + i] = lengths[i] * factors[i];
        }
        return x.reshape(new Shape(split)).transpose(perm).reshape(new Shape(merged));
    }

    /** The index {@code ":,:,0:d2,0:d3,..."}: the leading {@code dims[2..]} positions of every spatial axis. */
    public static String leadingIndex(long[] dims) {
        StringBuilder index = new StringBuilder(":,:");
        for (int i = 2; i < dims.length; i++) {
            index.append(",0:").append(dims[i]);
        }
        return index.toString();
    }
}
