package io.signstream.engine.backend;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.signstream.engine.graph.PoolSpec;

/**
 * Max pooling whose windows tile the input (kernel = stride, no padding, every spatial length a multiple of the
 * kernel: the usual 2×2/2 pooling), written with strided views of x on the PyTorch engine.
 *
 * <p>Why: with oneDNN capped at AVX (see README, "Correct numbers on every CPU") libtorch's {@code max_pool2d}
 * runs a slow generic kernel, and its gradient runs it again under autograd. The element-wise maximum of strided
 * views is exact and, on the fixtures' shapes, over ten times faster.
 *
 * <p>The window is reduced one axis at a time, the last spatial axis first. Ties then go to the first maximum of
 * the window in row-major order, libtorch's rule (and {@code exec.Pooling}'s): the earliest slice along the outer
 * axis that holds the maximum wins, and within it the earliest position along the inner axes. The backward pass
 * retraces the same stages, routing each upstream value to the first tap of a stage that holds that stage's
 * maximum. NaN aside: libtorch lets the last NaN of a window win; here a window with a NaN passes no signal.
 */
final class TiledMaxPool {

    private TiledMaxPool() {
    }

    /** Whether the windows of {@code spec} tile an input of shape {@code x} exactly. */
    static boolean applies(PoolSpec spec, Shape x) {
        int r = spec.spatialRank();
        if (x.dimension() != 2 + r) {
            return false;
        }
        for (int i = 0; i < r; i++) {
            int k = spec.kernel()[i];
            if (k != spec.strides()[i] || spec.padBegin()[i] != 0 || spec.padEnd()[i] != 0
                    || x.get(2 + i) % k != 0) {
                return false;
            }
        }
        return true;
    }

    static NDArray forward(NDArray x, PoolSpec spec) {
        NDArray out = x;
        for (int i = spec.spatialRank() - 1; i >= 0; i--) {
            out = reduce(out, 2 + i, spec.kernel()[i]);
        }
        return out;
    }

    /**
     * The gradient of {@link #forward}: {@code upstream} (pooled shape) routed to the first maximum of each window.
     * Like {@code exec.Pooling}, it multiplies the upstream by 0/1 masks (so an infinite upstream value gives NaN at
     * the window's other taps, as there), since libtorch's {@code where} costs several times a multiplication.
     */
    static NDArray backward(NDArray x, PoolSpec spec, NDArray upstream) {
        int r = spec.spatialRank();
        // stages[j]: x with the last j spatial axes reduced; the last stage's output is the pooled array itself,
        // never needed: each stage routes by comparing its taps with one another
        NDArray[] stages = new NDArray[r];
        stages[0] = x;
        for (int j = 1; j < r; j++) {
            stages[j] = reduce(stages[j - 1], 2 + r - j, spec.kernel()[r - j]);
        }
        NDArray g = upstream;
        for (int j = r; j >= 1; j--) {
            g = routeToFirstMaximum(stages[j - 1], g, 2 + r - j, spec.kernel()[r - j]);
        }
        return g;
    }

    /** The maximum over consecutive groups of {@code k} along {@code axis}. */
    private static NDArray reduce(NDArray x, int axis, int k) {
        if (k == 1) {
            return x;
        }
        NDArray out = tap(x, axis, 0, k);
        for (int q = 1; q < k; q++) {
            out = out.maximum(tap(x, axis, q, k));
        }
        return out;
    }

    /**
     * The transpose of one {@link #reduce} stage: {@code g} (the reduced shape) goes to the first of the {@code k}
     * taps of {@code input} that holds the maximum. Tap q wins where it is greater than every earlier tap and not
     * less than any later one.
     */
    private static NDArray routeToFirstMaximum(NDArray input, NDArray g, int axis, int k) {
        if (k == 1) {
            return g;
        }
        // input as (A, k, B): tap q is [:, q, :]; for the last axis (B = 1) a flat stride-k view, which libtorch
        // walks in one loop, where x[..., q::k] would cost a loop per row
        Shape s = input.getShape();
        long a = 1;
        for (int i = 0; i < axis; i++) {
            a *= s.get(i);
        }
        a *= s.get(axis) / k;
        long b = s.size() / (a * k);
        PtNDArray grouped = (PtNDArray) input.reshape(a, k, b);
        NDArray[] taps = new NDArray[k];
        for (int q = 0; q < k; q++) {
            taps[q] = JniUtils.slice(grouped, 1, q, q + 1, 1);
        }
        NDArray gg = g.reshape(a, 1, b);
        PtNDArray out = (PtNDArray) input.getManager().create(new Shape(a, k, b), g.getDataType());
        for (int q = 0; q < k; q++) {
            NDArray wins = null;
            for (int p = 0; p < k; p++) {
                if (p != q) {
                    NDArray beats = p < q ? taps[q].gt(taps[p]) : taps[q].gte(taps[p]);
                    wins = wins == null ? beats : wins.logicalAnd(beats);
                }
            }
            // written in place into its strided slot: stacking along a new last axis copies value by value
            JniUtils.indexSet(out, (PtNDArray) gg.mul(wins), new long[] {0, q, 0}, new long[] {a, q + 1, b},
                    new long[] {1, 1, 1});
        }
        return out.reshape(s);
    }

    /** Tap {@code q} of every window along {@code axis}: the strided view x[…, q::k, …], no copy. */
    private static NDArray tap(NDArray x, int axis, int q, int k) {
        return JniUtils.slice((PtNDArray) x, axis, q, x.getShape().get(axis), k);
    }
}
