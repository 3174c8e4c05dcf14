package io.signstream.engine.backend;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.signstream.engine.graph.ConvSpec;

/**
 * The transpose of a 2-D convolution with few input channels (an image model's first layer: 1 or 3), as one matrix
 * product and a shifted sum, on the PyTorch engine.
 *
 * <p>Why: the transpose as an ordinary convolution ({@link TransposedConvolution}) has as many output channels as the
 * layer has input channels, and oneDNN's convolution with one to three output channels is slow: a third of
 * digits_cnn's gradient reverse pass, 15–20 ms of VGG-11's. Measured on one core (2026-12-03, 3×3, stride 1, pad 1):
 * (64, 8, 16, 16) to 1 channel 274–290 against 393–434 µs, (32, 16, 32, 32) to 3 1,305–1,630 against 1,847–2,130 µs,
 * (2, 64, 224, 224) to 3 8.0–9.3 against 14.9–20.2 ms; from 8 channels on the convolution is faster (2,510 against
 * 1,797 µs on (32, 16, 32, 32)), hence {@link #MAX_CHANNELS}.
 *
 * <p>How: for y = conv(x, W) with stride 1, dilation 1, one group, the signal at x is
 * {@code gx[c, p, q] = Σ_{o,a,b} W[o, c, a, b] · g[o, p − a + padTop, q − b + padLeft]}. The product of W as a
 * (C·kh·kw, O) matrix with g as (O, H·W) gives every tap's contribution at once, {@code cols[c, (a, b), i, j]}; tap
 * (a, b) is then added into a zero buffer of the full correlation's size at offset (a, b), and the input's window of
 * it, offset by the leading padding, is the result (a view). The adds are one call into {@link NativeKernels} where it
 * is loaded (libtorch's strided in-place adds and the slices around them were half of this step's time).
 */
final class ColumnTransposedConvolution {

    /** Most input channels of a layer whose transpose takes this form. */
    static final int MAX_CHANNELS = 4;

    private ColumnTransposedConvolution() {
    }

    /** 2-D, one group, stride 1, dilation 1, at most {@link #MAX_CHANNELS} input channels. */
    static boolean applies(Shape wShape, ConvSpec spec) {
        if (spec.spatialRank() != 2 || spec.groups() != 1 || wShape.dimension() != 4
                || wShape.get(1) > MAX_CHANNELS) {
            return false;
        }
        for (int i = 0; i < 2; i++) {
            if (spec.strides()[i] != 1 || spec.dilations()[i] != 1) {
                return false;
            }
        }
        return true;
    }

    /** W (O, C, kh, kw) as the (C·kh·kw, O) matrix of the product, rows in (c, a, b) order; a copy it owns. */
    static NDArray columnKernel(NDArray w) {
        Shape s = w.getShape();
        return w.transpose(1, 2, 3, 0).reshape(s.get(1) * s.get(2) * s.get(3), s.get(0)).duplicate();
    }

    /**
     * @param g the signal at the convolution's output, (N, O, H, W)
     * @param columns {@link #columnKernel} of the layer's weight
     * @param wShape the weight's shape, (O, C, kh, kw)
     * @param inputShape the convolution's input shape, (N, C, Hin, Win)
     */
    static NDArray apply(NDArray g, NDArray columns, Shape wShape, ConvSpec spec, Shape inputShape) {
        PtNDArray cols = taps(g, columns, wShape);
        return NativeKernels.takes(cols) ? addInNativeKernel(cols, wShape, spec, inputShape)
                : addOnViews(cols, wShape, spec, inputShape);
    }

    /** As {@link #apply}, the taps always added by libtorch's in-place adds on views (where the kernel is missing). */
    static NDArray applyOnViews(NDArray g, NDArray columns, Shape wShape, ConvSpec spec, Shape inputShape) {
        return addOnViews(taps(g, columns, wShape), wShape, spec, inputShape);
    }

    /** Every tap's contribution, (N, C, kh·kw, H, W): one matrix product. */
    private static PtNDArray taps(NDArray g, NDArray columns, Shape wShape) {
        Shape gs = g.getShape();
        long n = gs.get(0);
        long h = gs.get(2);
        long w = gs.get(3);
        return (PtNDArray) columns.matMul(g.reshape(n, gs.get(1), h * w))
                .reshape(n, wShape.get(1), wShape.get(2) * wShape.get(3), h, w);
    }

    private static NDArray addInNativeKernel(PtNDArray cols, Shape wShape, ConvSpec spec, Shape inputShape) {
        Shape cs = cols.getShape();
        NDArray out = cols.getManager().create(inputShape, DataType.FLOAT32); // the kernel writes every element
        NativeKernels.run(m -> NativeKernels.addShiftedTaps(m[0], m[1], cs.get(0) * cs.get(1), (int) wShape.get(2),
                (int) wShape.get(3), cs.get(3), cs.get(4), inputShape.get(2), inputShape.get(3), spec.padBegin()[0],
                spec.padBegin()[1]), cols, out);
        return out;
    }

    private static NDArray addOnViews(PtNDArray cols, Shape wShape, ConvSpec spec, Shape inputShape) {
        Shape cs = cols.getShape();
        long h = cs.get(3);
        long w = cs.get(4);
        int kh = (int) wShape.get(2);
        int kw = (int) wShape.get(3);
        PtNDArray full = (PtNDArray) cols.getManager().zeros(new Shape(cs.get(0), cs.get(1), h + kh - 1, w + kw - 1),
                cols.getDataType());
        for (int a = 0; a < kh; a++) {
            for (int b = 0; b < kw; b++) {
                int tap = a * kw + b;
                PtNDArray at = JniUtils.slice(JniUtils.slice(full, 2, a, a + h, 1), 3, b, b + w, 1);
                at.addi(JniUtils.slice(cols, 2, tap, tap + 1, 1).squeeze(2));
            }
        }
        long top = spec.padBegin()[0];
        long left = spec.padBegin()[1];
        return JniUtils.slice(JniUtils.slice(full, 2, top, top + inputShape.get(2), 1), 3, left,
                left + inputShape.get(3), 1);
    }
}
