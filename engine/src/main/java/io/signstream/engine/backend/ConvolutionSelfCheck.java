package io.signstream.engine.backend;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import io.signstream.engine.graph.ConvSpec;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A known-answer check of a backend's convolutions, run by {@link Backends#open} once per process before the first
 * PyTorch backend on the CPU is handed out.
 *
 * <p>Why: a wrong native kernel gives plausible-looking maps. libtorch's oneDNN picks its kernels by CPU, and on this
 * project's AMD EPYC machines its AVX2/AVX-512 kernels for autograd's convolution gradient are wrong (off the float64
 * fixtures by 100 %). The engine never uses those: every convolution and every transposed convolution of its passes
 * is a forward convolution. So this checks forward convolutions in the geometries models use (batches, 1×1 to 7×7,
 * strides, padding, depthwise, 3 to 64 channels), and the transposed convolution of each, against sums computed here
 * in double precision. A failure stops the engine with a message that names the fix, instead of explaining with
 * wrong numbers. It takes about 0.2 s (Java sums, cold JIT).
 *
 * <p>TensorFlow is not checked: the engine runs its Eigen kernels (TF_ENABLE_ONEDNN_OPTS=0), which no CPU has been
 * seen to get wrong.
 *
 * <pre>{@code
 * double worst = ConvolutionSelfCheck.verify(backend); // throws IllegalStateException when a kernel is wrong
 * }</pre>
 */
public final class ConvolutionSelfCheck {

    /** Error allowed per output, relative to the sum of the absolute values of its terms (float32 sums: ~1e-7). */
    static final double TOLERANCE = 1e-4;

    /** One convolution: batch, channels in and out, square input side, kernel side, stride, padding, groups. */
    record Case(int batch, int cin, int cout, int size, int kernel, int stride, int pad, int groups) {

        ConvSpec spec() {
            return new ConvSpec(new int[] {stride, stride}, new int[] {pad, pad}, new int[] {pad, pad},
                    new int[] {1, 1}, groups);
        }

        int outSize() {
            return (int) spec().outputLength(0, size, kernel);
        }

        @Override
        public String toString() {
            return "batch " + batch + ", " + cin + "→" + cout + " channels, " + size + "×" + size + ", kernel "
                    + kernel + ", stride " + stride + ", padding " + pad + (groups > 1 ? ", groups " + groups : "");
        }
    }

    static final List<Case> CASES = List.of(
            new Case(4, 16, 32, 12, 3, 1, 1, 1),
            new Case(2, 64, 64, 8, 3, 1, 1, 1),
            new Case(3, 32, 16, 9, 1, 2, 0, 1),
            new Case(2, 3, 8, 20, 7, 2, 3, 1),
            new Case(2, 16, 32, 10, 3, 2, 1, 1),
            new Case(2, 16, 16, 10, 3, 1, 1, 16));

    private static final Set<String> VERIFIED = ConcurrentHashMap.newKeySet();

    private ConvolutionSelfCheck() {
    }

    /**
     * CPUs only: the check guards against oneDNN kernels picked by CPU. On a GPU, cuDNN may run convolutions in TF32
     * (a 10-bit mantissa, libtorch's default on Ampere and later), whose rounding of about 1e-3 is by design and
     * would fail a float32 tolerance.
     */
    static boolean appliesTo(ai.djl.Device device) {
        return !device.isGpu();
    }

    /** Runs {@link #verify} unless it already passed for this backend's engine and device in this process. */
    static void verifyOnce(Backend backend) {
        String key = backend.kind() + "/" + backend.device();
        if (!VERIFIED.contains(key)) {
            verify(backend);
            VERIFIED.add(key);
        }
    }

    /**
     * @return the worst error found, relative as in {@link #TOLERANCE}
     * @throws IllegalStateException if a convolution or its transpose is off by more than {@link #TOLERANCE}
     */
    public static double verify(Backend backend) {
        Random random = new Random(20261203);
        double worst = 0;
        for (Case c : CASES) {
            double error = error(backend, c, random);
            if (!(error <= TOLERANCE)) {
                throw new IllegalStateException("the " + backend.kind().id() + " engine's convolution kernels give "
                        + "wrong results on this CPU (" + c + ": off by " + String.format("%.3g", error)
                        + " of the sum's magnitude). If ONEDNN_MAX_CPU_ISA is unset or ALL, restart with "
                        + "ONEDNN_MAX_CPU_ISA=AVX in the environment, which limits libtorch's oneDNN to its AVX "
                        + "kernels (README, \"Correct numbers on every CPU\")");
            }
            worst = Math.max(worst, error);
        }
        return worst;
    }

    private static double error(Backend backend, Case c, Random random) {
        int inPerGroup = c.cin() / c.groups();
        float[] x = gaussian(random, c.batch() * c.cin() * c.size() * c.size());
        float[] w = gaussian(random, c.cout() * inPerGroup * c.kernel() * c.kernel());
        int out = c.outSize();
        float[] g = gaussian(random, c.batch() * c.cout() * out * out);
        try (NDScope scope = new NDScope(); NDManager m = backend.newManager()) {
            Shape inputShape = new Shape(c.batch(), c.cin(), c.size(), c.size());
            NDArray xa = m.create(x, inputShape);
            NDArray wa = m.create(w, new Shape(c.cout(), inPerGroup, c.kernel(), c.kernel()));
            float[] y = backend.conv(xa, wa, null, c.spec()).toFloatArray();
            float[] back = backend.convTranspose(m.create(g, new Shape(c.batch(), c.cout(), out, out)), wa,
                    c.spec(), inputShape).toFloatArray();
            return Math.max(forwardError(c, x, w, y), transposeError(c, g, w, back));
        }
    }

    /** The worst |y − Σ x·w| / Σ |x·w| over every output. */
    private static double forwardError(Case c, float[] x, float[] w, float[] y) {
        if (y.length != c.batch() * c.cout() * c.outSize() * c.outSize()) {
            return Double.POSITIVE_INFINITY;
        }
        double[] sum = new double[y.length];
        double[] magnitude = new double[y.length];
        forEachTerm(c, (out, in, weight) -> {
            double term = (double) x[in] * w[weight];
            sum[out] += term;
            magnitude[out] += Math.abs(term);
        });
        return worst(y, sum, magnitude);
    }

    /** The worst |back − Σ g·w| / Σ |g·w| over every input: the transpose scatters what the forward gathers. */
    private static double transposeError(Case c, float[] g, float[] w, float[] back) {
        if (back.length != c.batch() * c.cin() * c.size() * c.size()) {
            return Double.POSITIVE_INFINITY;
        }
        double[] sum = new double[back.length];
        double[] magnitude = new double[back.length];
        forEachTerm(c, (out, in, weight) -> {
            double term = (double) g[out] * w[weight];
            sum[in] += term;
            magnitude[in] += Math.abs(term);
        });
        return worst(back, sum, magnitude);
    }

    /** One product of a convolution: indices into the output, the input and the weights, all NCHW row-major. */
    private interface TermVisitor {
        void term(int out, int in, int weight);
    }

    /** Every product the convolution sums, padding taps left out. */
    private static void forEachTerm(Case c, TermVisitor visitor) {
        int n = c.size();
        int k = c.kernel();
        int outSize = c.outSize();
        int inPerGroup = c.cin() / c.groups();
        int outPerGroup = c.cout() / c.groups();
        for (int b = 0; b < c.batch(); b++) {
            for (int co = 0; co < c.cout(); co++) {
                int firstIn = co / outPerGroup * inPerGroup;
                for (int oy = 0; oy < outSize; oy++) {
                    for (int ox = 0; ox < outSize; ox++) {
                        int out = ((b * c.cout() + co) * outSize + oy) * outSize + ox;
                        for (int ci = 0; ci < inPerGroup; ci++) {
                            for (int ky = 0; ky < k; ky++) {
                                int iy = oy * c.stride() - c.pad() + ky;
                                if (iy < 0 || iy >= n) {
                                    continue;
                                }
                                for (int kx = 0; kx < k; kx++) {
                                    int ix = ox * c.stride() - c.pad() + kx;
                                    if (ix >= 0 && ix < n) {
                                        visitor.term(out, ((b * c.cin() + firstIn + ci) * n + iy) * n + ix,
                                                ((co * inPerGroup + ci) * k + ky) * k + kx);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private static double worst(float[] got, double[] sum, double[] magnitude) {
        double worst = 0;
        for (int i = 0; i < got.length; i++) {
            worst = Math.max(worst, Math.abs(got[i] - sum[i]) / Math.max(magnitude[i], 1e-30));
        }
        return worst;
    }

    private static float[] gaussian(Random random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }
}
