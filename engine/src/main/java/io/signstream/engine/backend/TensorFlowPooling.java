package io.signstream.engine.backend;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.tensorflow.engine.TfRawOp;
import io.signstream.engine.graph.PoolSpec;

/**
 * The transpose of max pooling by TensorFlow's own MaxPoolGrad kernel, on channels-first arrays without a single
 * transpose. (The forward pooling stays with exec.Pooling's reshape-and-max, which measured faster than MaxPool on
 * this view; see TensorFlowBackend.)
 *
 * <p>Why this works: TensorFlow's CPU pooling kernels only take NHWC, but a channels-first (N, C, H, W) array is,
 * byte for byte, the NHWC array (N·C, H, W, 1): each channel pooled as an image with one channel. So x, the pooled
 * values and the signal are only reshaped (TensorFlow's Reshape shares the buffer), and the result reshaped back.
 * With transposes to NHWC and back instead, TensorFlow's kernels were slower than the shared formulation
 * (exec.Pooling: six-axis transposes and a dozen element-wise ops per backward step); without them one MaxPoolGrad
 * replaces all of that.
 *
 * <p>Ties: MaxPoolGrad's CPU kernel walks each window in row-major order and replaces the running maximum only
 * on a strictly greater value, so the signal goes to the <em>first</em> maximum, the convention of METHODS.md and
 * of exec.Pooling (checked against it in TensorFlowBackendTest).
 *
 * <p>Covers 1-D and 2-D pooling without padding whose window fits the input; other geometries return null and
 * take the shared formulation.
 */
final class TensorFlowPooling {

    private TensorFlowPooling() {
    }

    /**
     * MaxPoolGrad: {@code upstream} (pooled shape) routed to the first maximum of each window of x.
     *
     * @param pooled the forward's pooled values (x's layout), or null to pool x again
     */
    static NDArray maxPoolBackward(NDArray x, NDArray pooled, PoolSpec spec, NDArray upstream) {
        if (!covers(spec, x.getShape())) {
            return null;
        }
        NDManager out = upstream.getManager();
        try (NDManager s = out.newSubManager()) {
            NDArray images = asImages(s, x);
            // the pooled values are an input of the op: the GPU kernel finds the winner by comparing against them
            NDArray pooledImages = pooled == null ? pool(s, images, spec) : asImages(s, pooled);
            NDArray signal = reshape(s, s, upstream, pooledImages.getShape());
            NDArray grad = window(TfRawOp.of(s, "MaxPoolGrad").input(images).input(pooledImages).input(signal), spec)
                    .run();
            return reshape(out, s, grad, x.getShape());
        }
    }

    private static boolean covers(PoolSpec spec, Shape x) {
        int k = spec.spatialRank();
        if (k < 1 || k > 2 || x.dimension() != 2 + k) {
            return false;
        }
        for (int i = 0; i < k; i++) {
            if (spec.padBegin()[i] != 0 || spec.padEnd()[i] != 0 || spec.kernel()[i] > x.get(2 + i)) {
                return false;
            }
        }
        return true;
    }

    private static NDArray pool(NDManager m, NDArray images, PoolSpec spec) {
        return window(TfRawOp.of(m, "MaxPool").input(images), spec).run();
    }

    /** ksize and strides in NHWC order; a 1-D window lies along the width, with height 1. */
    private static TfRawOp window(TfRawOp op, PoolSpec spec) {
        boolean oneD = spec.spatialRank() == 1;
        long kh = oneD ? 1 : spec.kernel()[0];
        long kw = spec.kernel()[oneD ? 0 : 1];
        long sh = oneD ? 1 : spec.strides()[0];
        long sw = spec.strides()[oneD ? 0 : 1];
        return op.attr("ksize", new long[] {1, kh, kw, 1}).attr("strides", new long[] {1, sh, sw, 1})
                .attr("padding", "VALID").attr("data_format", "NHWC");
    }

    /** (N, C, H, W) or (N, C, T) as (N·C, H, W, 1) or (N·C, 1, T, 1). */
    private static NDArray asImages(NDManager m, NDArray x) {
        Shape s = x.getShape();
        boolean oneD = s.dimension() == 3;
        long h = oneD ? 1 : s.get(2);
        long w = s.get(oneD ? 2 : 3);
        return reshape(m, m, x, new Shape(s.get(0) * s.get(1), h, w, 1));
    }

    /**
     * The result joins {@code out}; the shape operand is shared ({@link TensorFlowConstants}), or made in
     * {@code scratch} when the cache is full.
     */
    private static NDArray reshape(NDManager out, NDManager scratch, NDArray a, Shape shape) {
        return TfRawOp.of(out, "Reshape").input(a).input(TensorFlowConstants.longs(scratch, shape.getShape())).run();
    }
}
