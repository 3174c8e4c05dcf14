package io.signstream.engine.backend;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.signstream.engine.graph.PoolSpec;

/**
 * The max-pool gradient for tiled windows (stride = window, no padding: VGG's and most small CNNs' 2×2/2): in the
 * engine's own kernel ({@link NativeKernels}) for 2-D windows on the CPU, else from the forward's maxima y in
 * element-wise libtorch kernels on strided views of x ({@link #viaViews}). Both give libtorch's values.
 *
 * <p>Why: libtorch's own gradient runs through autograd, which pools again with {@code max_pool2d_with_indices}, a
 * generic kernel, and then scatters by the indices: about ten times the forward pooling. Measured on one core
 * (2026-12-03, 2×2/2 on standard-normal inputs): (64, 8, 16, 16) 270–400 against 780–850 µs, (32, 16, 32, 32)
 * 950–980 against 3,050–3,200 µs, VGG's (2, 64, 224, 224) 27–31 against 40–44 ms, (2, 512, 28, 28) 1.2–1.3 against
 * 4.7–5.0 ms.
 *
 * <p>How {@link #viaViews} works: the window's taps are visited in row-major order, libtorch's tie rule (the first
 * maximum wins). The signal not yet routed, {@code rest}, starts as the upstream; at tap q, {@code sign(y − x_q)} is
 * 0 where x_q is the maximum and 1 elsewhere (y ≥ x_q), so {@code rest ⊙ sign(y − x_q)} is what goes on and the
 * difference stays at tap q; the last tap takes what is left. Windows do not overlap, so every input position
 * belongs to at most one tap of one window (positions past the last whole window get nothing, as in libtorch). Exact
 * for finite values: a tap that is not the maximum gets {@code rest − rest = 0}, the first maximum gets {@code rest −
 * 0}. Where a window holds an infinite value or NaN, y − x_q can be NaN and the window's signal NaN; the model's
 * output is infinite or NaN there in any case.
 */
final class TiledMaxPoolGradient {

    private TiledMaxPoolGradient() {
    }

    /** Whether the windows tile the input ({@link PoolSpec#tiles}) and at least one fits along every axis. */
    static boolean applies(PoolSpec spec, Shape x) {
        int r = spec.spatialRank();
        if (!spec.tiles() || x.dimension() != 2 + r) {
            return false;
        }
        for (int i = 0; i < r; i++) {
            if (x.get(2 + i) < spec.kernel()[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * @param x the pooling's input
     * @param maxima the pooling's output, the windows' maxima
     * @param upstream the signal at the output, maxima's shape
     */
    static NDArray backward(NDArray x, NDArray maxima, PoolSpec spec, NDArray upstream) {
        return inNativeKernel(x, spec, upstream) ? nativeKernel(x, spec, upstream)
                : viaViews(x, maxima, spec, upstream);
    }

    /**
     * Whether {@link NativeKernels} routes this gradient: 2-D windows, float32 values in CPU memory. It scans x
     * itself, so the maxima are not needed; 5–10× faster than {@link #viaViews} on 2×2 windows (one vectorised pass
     * instead of a dozen strided libtorch kernels).
     */
    static boolean inNativeKernel(NDArray x, PoolSpec spec, NDArray upstream) {
        return spec.spatialRank() == 2 && NativeKernels.takes(x, upstream);
    }

    /** {@link NativeKernels#tiledMaxPoolGradient2d} on either engine's arrays (float32, CPU, 2-D tiles). */
    static NDArray nativeKernel(NDArray x, PoolSpec spec, NDArray upstream) {
        Shape s = x.getShape();
        NDArray out = x.getManager().create(s, DataType.FLOAT32); // uninitialised: the kernel writes every element
        NativeKernels.run(m -> NativeKernels.tiledMaxPoolGradient2d(m[0], m[1], m[2], s.get(0) * s.get(1), s.get(2),
                s.get(3), spec.kernel()[0], spec.kernel()[1]), x, upstream, out);
        return out;
    }

    /** In libtorch's element-wise kernels on strided views of x: any rank, dtype and device. */
    static NDArray viaViews(NDArray x, NDArray maxima, PoolSpec spec, NDArray upstream) {
        int r = spec.spatialRank();
        int taps = 1;
        for (int k : spec.kernel()) {
            taps *= k;
        }
        PtNDArray out = (PtNDArray) x.getManager().zeros(x.getShape(), upstream.getDataType());
        NDArray rest = upstream;
        int[] offset = new int[r];
        for (int q = 0; q < taps; q++) {
            // offset within the window, row-major: the last axis fastest
            for (int i = r - 1, t = q; i >= 0; i--) {
                offset[i] = t % spec.kernel()[i];
                t /= spec.kernel()[i];
            }
            PtNDArray at = tap(out, offset, spec, maxima.getShape());
            if (q == taps - 1) {
                at.addi(rest);
                break;
            }
            NDArray next = rest.mul(maxima.sub(tap((PtNDArray) x, offset, spec, maxima.getShape())).sign());
            at.addi(rest.sub(next));
            rest = next;
        }
        return out;
    }

    /** The view of {@code a} at one offset of every window: strided, no copy, the pooled shape. */
    private static PtNDArray tap(PtNDArray a, int[] offset, PoolSpec spec, Shape pooled) {
        PtNDArray view = a;
        for (int i = 0; i < offset.length; i++) {
            int s = spec.strides()[i];
            view = JniUtils.slice(view, 2 + i, offset[i], offset[i] + (long) s * (pooled.get(2 + i) - 1) + 1, s);
        }
        return view;
    }
}
