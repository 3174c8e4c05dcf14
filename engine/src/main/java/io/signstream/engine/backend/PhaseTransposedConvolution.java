package io.signstream.engine.backend;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.signstream.engine.graph.ConvSpec;
import java.util.Arrays;

/**
 * The transpose of a strided convolution as one ordinary stride-1 convolution of the upstream signal at its own
 * resolution, followed by a pixel shuffle (the "sub-pixel" or phase decomposition). {@link TransposedConvolution}
 * convolves the zero-inserted signal instead, s<sup>k</sup> times larger for stride s on k axes, mostly zeros.
 *
 * <p>Per spatial axis, with stride s, kernel K and leading pad p: the kernel is first shifted right by
 * a = (−p) mod s zeros (the same convolution with leading pad p + a, now a multiple of s), then cut into its s
 * phases w<sub>r</sub>[t] = w[t·s + r] of K' = ⌈(K + a)/s⌉ taps (zero-filled). Input position i = m·s + r − (p + a)
 * receives Σ<sub>t</sub> g[m − t]·w<sub>r</sub>[t]: a full correlation of g with the flipped phase kernel. All
 * phases (and every group) become output channels of one convolution, in (input channel, phase...) order, so the
 * result is (N, Cin·Π s, m...) and a reshape and transpose interleave the phases back into (N, Cin, L...).
 *
 * <p>Same numbers as the zero-insert form up to float summation order. Dilation is left to that form.
 */
final class PhaseTransposedConvolution {

    private PhaseTransposedConvolution() {
    }

    /**
     * The geometry for g (N, Cout, out...) → inputShape, or null where the decomposition does not apply: no stride
     * above 1, a dilation, or a pad that would need cropping the signal (padding beyond the kernel).
     *
     * @param shift zeros in front of the kernel per axis (a)
     * @param taps phase kernel length per axis (K')
     * @param padBegin leading zeros of g per axis
     * @param padEnd trailing zeros of g per axis
     */
    record Plan(int[] strides, int[] shift, int[] taps, int[] padBegin, int[] padEnd) {

        static Plan of(Shape wShape, ConvSpec spec, Shape gShape, Shape inputShape) {
            int k = spec.spatialRank();
            boolean strided = false;
            int[] shift = new int[k];
            int[] taps = new int[k];
            int[] begin = new int[k];
            int[] end = new int[k];
            for (int i = 0; i < k; i++) {
                int s = spec.strides()[i];
                if (spec.dilations()[i] != 1) {
                    return null;
                }
                strided |= s > 1;
                int p = spec.padBegin()[i];
                long kernel = wShape.get(2 + i);
                shift[i] = Math.floorMod(-p, s);
                taps[i] = (int) ceilDiv(kernel + shift[i], s);
                long first = (p + shift[i]) / s; // first phase row m that lands in the input
                long rows = ceilDiv(p + shift[i] + inputShape.get(2 + i), s); // rows 0..rows-1 cover the input
                long left = taps[i] - 1 - first;
                long right = rows - gShape.get(2 + i);
                if (left < 0 || right < 0) {
                    return null;
                }
                begin[i] = (int) left;
                end[i] = (int) right;
            }
            return strided ? new Plan(spec.strides(), shift, taps, begin, end) : null;
        }

        private int phases() {
            int n = 1;
            for (int s : strides) {
                n *= s;
            }
            return n;
        }
    }

    /**
     * The phase kernels of w (Cout, Cin/g, K...) for {@code plan}: (Cin·Π s, Cout/g, K'...), row c·Π s + phase,
     * each phase kernel flipped. Depends on w, the strides and the pads only, so a caller may keep it per weight.
     */
    static NDArray phaseKernel(Backend backend, NDArray w, int groups, Plan plan) {
        int k = plan.strides().length;
        NDArray t = TransposedConvolution.transposedKernel(w, groups); // (Cin, Cout/g, K...)
        int rank = 2 + k;
        long[] front = new long[rank];
        long[] back = new long[rank];
        for (int i = 0; i < k; i++) {
            front[2 + i] = plan.shift()[i];
            back[2 + i] = (long) plan.taps()[i] * plan.strides()[i] - plan.shift()[i] - t.getShape().get(2 + i);
        }
        NDArray padded = backend.pad(t, front, back, 0f);
        long cin = t.getShape().get(0);
        long coutPerGroup = t.getShape().get(1);
        // (Cin, Cout/g, K'1, s1, K'2, s2, ...) → (Cin, s1, s2, ..., Cout/g, K'1, K'2, ...)
        long[] split = new long[2 + 2 * k];
        split[0] = cin;
        split[1] = coutPerGroup;
        int[] perm = new int[2 + 2 * k];
        perm[0] = 0;
        perm[1 + k] = 1;
        long[] merged = new long[rank];
        merged[0] = cin * plan.phases();
        merged[1] = coutPerGroup;
        int[] spatial = new int[k];
        for (int i = 0; i < k; i++) {
            split[2 + 2 * i] = plan.taps()[i];
            split[3 + 2 * i] = plan.strides()[i];
            perm[1 + i] = 3 + 2 * i;
            perm[2 + k + i] = 2 + 2 * i;
            merged[2 + i] = plan.taps()[i];
            spatial[i] = 2 + i;
        }
        // flip() of libtorch copies, so the result owns its memory (a strided view would slow every use)
        return padded.reshape(new Shape(split)).transpose(perm).reshape(new Shape(merged)).flip(spatial);
    }

    /** The shape of {@link #phaseKernel} for w of shape {@code wShape}. */
    static Shape kernelShape(Shape wShape, int groups, Plan plan) {
        int k = plan.strides().length;
        long[] dims = new long[2 + k];
        dims[0] = wShape.get(1) * groups * plan.phases();
        dims[1] = wShape.get(0) / groups;
        for (int i = 0; i < k; i++) {
            dims[2 + i] = plan.taps()[i];
        }
        return new Shape(dims);
    }

    /** g (N, Cout, out...) → (N, Cin, inputShape's spatial lengths) with the kernel from {@link #phaseKernel}. */
    static NDArray apply(Backend backend, NDArray g, NDArray phaseKernel, int groups, Plan plan, Shape inputShape) {
        int k = plan.strides().length;
        int[] ones = new int[k];
        Arrays.fill(ones, 1);
        NDArray phased = backend.conv(g, phaseKernel, null,
                new ConvSpec(ones, plan.padBegin(), plan.padEnd(), ones, groups));
        // (N, Cin·Π s, m...) → (N, Cin, s..., m...) → (N, Cin, m1·s1, m2·s2, ...)
        Shape ps = phased.getShape();
        long[] lengths = new long[k];
        boolean crop = false;
        for (int i = 0; i < k; i++) {
            lengths[i] = ps.get(2 + i);
            crop |= lengths[i] * plan.strides()[i] != inputShape.get(2 + i);
        }
        NDArray out = PhaseShuffle.interleave(phased, ps.get(0), inputShape.get(1), plan.strides(), lengths);
        // the last phase row may reach past the input's end (input length not a multiple of the stride)
        return crop ? out.get(PhaseShuffle.leadingIndex(inputShape.getShape())) : out;
    }

    private static long ceilDiv(long a, long b) {
        return Math.floorDiv(a + b - 1, b);
    }
}
