package io.signstream.engine.backend;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
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
 * retraces the same stages, routing each upstream value to the first tap of a stage equal to that stage's
 * maximum. NaN aside: libtorch lets the last NaN of a window win, this the last tap.
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
     *
     * @param pooled the forward's output, or null to pool again
     */
    static NDArray backward(NDArray x, NDArray pooled, PoolSpec spec, NDArray upstream) {
        int r = spec.spatialRank();
        // stages[j]: x with the last j spatial axes reduced; stages[r] is the pooled output
        NDArray[] stages = new NDArray[r + 1];
        stages[0] = x;
        for (int j = 1; j < r; j++) {
            stages[j] = reduce(stages[j - 1], 2 + r - j, spec.kernel()[r - j]);
        }
        stages[r] = pooled != null ? pooled : reduce(stages[r - 1], 2, spec.kernel()[0]);
        NDArray zero = x.getManager().zeros(new Shape(), upstream.getDataType());
        NDArray g = upstream;
        for (int j = r; j >= 1; j--) {
            g = routeToFirstMaximum(stages[j - 1], stages[j], g, 2 + r - j, spec.kernel()[r - j], zero);
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
     * The transpose of one {@link #reduce} stage: {@code g} (shape of {@code reduced}) goes to the first of the
     * {@code k} taps of {@code input} that equals the reduced value; the last tap takes what no earlier one did.
     */
    private static NDArray routeToFirstMaximum(NDArray input, NDArray reduced, NDArray g, int axis, int k,
            NDArray zero) {
        if (k == 1) {
            return g;
        }
        NDList parts = new NDList(k);
        NDArray taken = null;
        for (int q = 0; q < k - 1; q++) {
            NDArray hit = tap(input, axis, q, k).eq(reduced);
            if (taken != null) {
                hit = hit.logicalAnd(taken.logicalNot());
            }
            parts.add(where(hit, g, zero));
            taken = taken == null ? hit : taken.logicalOr(hit);
        }
        parts.add(where(taken, zero, g));
        // (…, L/k, k, …) with the taps next to their window, then merged back into the axis of length L
        NDArray stacked = NDArrays.stack(parts, axis + 1);
        long[] dims = input.getShape().getShape().clone(); // a copy: getShape() is the live array
        return stacked.reshape(new Shape(dims));
    }

    /** libtorch's where, which broadcasts the scalar zero (DJL's {@code NDArrays.where} insists on equal shapes). */
    private static NDArray where(NDArray condition, NDArray a, NDArray b) {
        return JniUtils.where((PtNDArray) condition, (PtNDArray) a, (PtNDArray) b);
    }

    /** Tap {@code q} of every window along {@code axis}: the strided view x[…, q::k, …], no copy. */
    private static NDArray tap(NDArray x, int axis, int q, int k) {
        return JniUtils.slice((PtNDArray) x, axis, q, x.getShape().get(axis), k);
    }
}
