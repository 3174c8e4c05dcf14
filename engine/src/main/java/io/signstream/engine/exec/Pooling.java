package io.signstream.engine.exec;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.signstream.engine.backend.Backend;
import io.signstream.engine.backend.PhaseShuffle;
import io.signstream.engine.graph.ConvSpec;
import io.signstream.engine.graph.PoolSpec;

/**
 * Pooling written with depthwise convolutions, so that both engines compute it the same way and its transpose
 * (the backward pass) comes for free from {@link Backend#convTranspose}.
 *
 * <p>Max pooling extracts every window offset as a channel with a one-hot depthwise kernel; the winner of a
 * window is its first maximum in row-major order (what PyTorch's max-pool gradient does, and what METHODS.md
 * prescribes for the frequent ties on zero backgrounds).
 */
public final class Pooling {

    /** Pad value for max pooling: finite, so that the 0-weights of the one-hot kernel give 0, not NaN. */
    private static final float MAX_POOL_PAD = -Float.MAX_VALUE;

    private Pooling() {
    }

    public static NDArray maxPool(Backend backend, NDArray x, PoolSpec spec) {
        NDArray own = backend.maxPool(x, spec); // the engine's kernel where it has one: no window copies
        return own != null ? own : windows(backend, x, spec).max(new int[] {2});
    }

    /** Routes {@code upstream} (pooled shape) to the first maximum of each window of {@code x}. */
    public static NDArray maxPoolBackward(Backend backend, NDArray x, PoolSpec spec, NDArray upstream) {
        return maxPoolBackward(backend, x, null, spec, upstream);
    }

    /**
     * As {@link #maxPoolBackward(Backend, NDArray, PoolSpec, NDArray)}, with the forward's pooled values (null if
     * not at hand), which an engine kernel may take instead of pooling again.
     */
    public static NDArray maxPoolBackward(Backend backend, NDArray x, NDArray pooled, PoolSpec spec,
            NDArray upstream) {
        NDArray own = pooled == null ? backend.maxPoolBackward(x, spec, upstream)
                : backend.maxPoolBackward(x, pooled, spec, upstream);
        if (own != null) {
            return own;
        }
        NDArray patches = windows(backend, x, spec);
        NDArray max = patches.max(new int[] {2}, true);
        NDArray isMax = patches.eq(max).toType(DataType.FLOAT32, false);
        NDArray first = isMax.mul(isMax.cumSum(2).eq(1f).toType(DataType.FLOAT32, false));
        NDArray routed = first.mul(upstream.expandDims(2));
        return scatterWindows(backend, routed, spec, x.getShape());
    }

    /** Average pooling; {@code countIncludePad=false} divides border windows by the taps inside the input. */
    public static NDArray avgPool(Backend backend, NDArray x, PoolSpec spec, boolean countIncludePad) {
        if (spec.identity()) {
            return x; // a convolution with a ones kernel otherwise: 1 % of VGG-11's forward pass for nothing
        }
        NDArray sums = backend.conv(x, onesKernel(x.getManager(), channels(x), spec), null, spec.asConv(channels(x)));
        return sums.div(windowCounts(backend, x, spec, countIncludePad));
    }

    /** Transpose of {@link #avgPool}: spreads each pooled value evenly over its window. */
    public static NDArray avgPoolTranspose(Backend backend, NDArray upstream, PoolSpec spec, boolean countIncludePad,
            Shape inputShape) {
        if (spec.identity()) {
            return upstream;
        }
        NDManager m = upstream.getManager();
        int c = (int) inputShape.get(1);
        NDArray scaled = upstream.div(windowCounts(backend, m.zeros(inputShape), spec, countIncludePad));
        return backend.convTranspose(scaled, onesKernel(m, c, spec), spec.asConv(c), inputShape);
    }

    /** Every window of x as (N, C, K, out...), K = window size in row-major order. */
    static NDArray windows(Backend backend, NDArray x, PoolSpec spec) {
        if (spec.tiles()) {
            return tileWindows(x, spec);
        }
        int c = channels(x);
        NDArray padded = backend.padSpatial(x, spec, MAX_POOL_PAD);
        NDArray patches = backend.conv(padded, oneHotKernel(x.getManager(), c, spec), null, unpadded(spec, c));
        return patches.reshape(windowShape(x.getShape().get(0), c, spec.windowSize(), patches.getShape()));
    }

    private static NDArray scatterWindows(Backend backend, NDArray perWindow, PoolSpec spec, Shape inputShape) {
        if (spec.tiles()) {
            return untileWindows(backend, perWindow, spec, inputShape);
        }
        int c = (int) inputShape.get(1);
        Shape s = perWindow.getShape();
        long[] flat = new long[s.dimension() - 1];
        flat[0] = s.get(0);
        flat[1] = s.get(1) * s.get(2);
        for (int i = 3; i < s.dimension(); i++) {
            flat[i - 1] = s.get(i);
        }
        long[] paddedDims = inputShape.getShape().clone(); // a copy: Shape.getShape() is the live array
        for (int i = 0; i < spec.spatialRank(); i++) {
            paddedDims[2 + i] += spec.padBegin()[i] + spec.padEnd()[i];
        }
        NDArray scattered = backend.convTranspose(perWindow.reshape(new Shape(flat)),
                oneHotKernel(perWindow.getManager(), c, spec), unpadded(spec, c), new Shape(paddedDims));
        if (!spec.hasPadding()) {
            return scattered;
        }
        StringBuilder index = new StringBuilder(":,:");
        for (int i = 0; i < spec.spatialRank(); i++) {
            long from = spec.padBegin()[i];
            index.append(',').append(from).append(':').append(from + inputShape.get(2 + i));
        }
        return scattered.get(index.toString());
    }

    /**
     * Windows that tile the input (stride = kernel, no padding: the usual 2×2 pooling) are a reshape and a
     * transpose away from (N, C, K, out...), which is far cheaper than the one-hot depthwise convolution.
     */
    private static NDArray tileWindows(NDArray x, PoolSpec spec) {
        int r = spec.spatialRank();
        Shape s = x.getShape();
        long[] split = new long[2 + 2 * r];
        long[] croppedDims = new long[2 + r];
        split[0] = s.get(0);
        split[1] = s.get(1);
        croppedDims[0] = s.get(0);
        croppedDims[1] = s.get(1);
        boolean crop = false;
        for (int i = 0; i < r; i++) {
            long out = s.get(2 + i) / spec.kernel()[i];
            split[2 + 2 * i] = out;
            split[3 + 2 * i] = spec.kernel()[i];
            croppedDims[2 + i] = out * spec.kernel()[i];
            crop |= croppedDims[2 + i] != s.get(2 + i);
        }
        NDArray source = crop ? x.get(PhaseShuffle.leadingIndex(croppedDims)) : x;
        int[] perm = new int[2 + 2 * r];
        perm[0] = 0;
        perm[1] = 1;
        for (int i = 0; i < r; i++) {
            perm[2 + i] = 3 + 2 * i; // window offsets first, in row-major order
            perm[2 + r + i] = 2 + 2 * i;
        }
        long[] windows = new long[3 + r];
        windows[0] = s.get(0);
        windows[1] = s.get(1);
        windows[2] = spec.windowSize();
        for (int i = 0; i < r; i++) {
            windows[3 + i] = split[2 + 2 * i];
        }
        return source.reshape(new Shape(split)).transpose(perm).reshape(new Shape(windows));
    }

    private static NDArray untileWindows(Backend backend, NDArray perWindow, PoolSpec spec, Shape inputShape) {
        int r = spec.spatialRank();
        Shape s = perWindow.getShape();
        long[] lengths = new long[r];
        long[] end = new long[2 + r];
        boolean pad = false;
        for (int i = 0; i < r; i++) {
            lengths[i] = s.get(3 + i);
            end[2 + i] = inputShape.get(2 + i) - lengths[i] * spec.kernel()[i];
            pad |= end[2 + i] != 0;
        }
        NDArray out = PhaseShuffle.interleave(perWindow, s.get(0), s.get(1), spec.kernel(), lengths);
        return pad ? backend.pad(out, new long[2 + r], end, 0f) : out;
    }

    private static NDArray windowCounts(Backend backend, NDArray like, PoolSpec spec, boolean countIncludePad) {
        NDManager m = like.getManager();
        if (countIncludePad || !spec.hasPadding()) {
            return m.create((float) spec.windowSize());
        }
        long[] dims = like.getShape().getShape().clone(); // a copy: Shape.getShape() is the live array
        dims[0] = 1;
        dims[1] = 1;
        NDArray ones = m.ones(new Shape(dims));
        return backend.conv(ones, onesKernel(m, 1, spec), null, spec.asConv(1));
    }

    private static ConvSpec unpadded(PoolSpec spec, int channels) {
        int k = spec.spatialRank();
        int[] d = new int[k];
        java.util.Arrays.fill(d, 1);
        return new ConvSpec(spec.strides(), new int[k], new int[k], d, channels);
    }

    private static Shape windowShape(long n, int c, int k, Shape patches) {
        long[] dims = new long[patches.dimension() + 1];
        dims[0] = n;
        dims[1] = c;
        dims[2] = k;
        for (int i = 2; i < patches.dimension(); i++) {
            dims[i + 1] = patches.get(i);
        }
        return new Shape(dims);
    }

    private static int channels(NDArray x) {
        return (int) x.getShape().get(1);
    }

    /** (C·K, 1, k...) with row c·K + m selecting window offset m of channel c. */
    private static NDArray oneHotKernel(NDManager m, int channels, PoolSpec spec) {
        int k = spec.windowSize();
        float[] data = new float[channels * k * k];
        for (int c = 0; c < channels; c++) {
            for (int off = 0; off < k; off++) {
                data[(c * k + off) * k + off] = 1f;
            }
        }
        return m.create(data, kernelShape(channels * k, spec));
    }

    private static NDArray onesKernel(NDManager m, int channels, PoolSpec spec) {
        return m.ones(kernelShape(channels, spec));
    }

    private static Shape kernelShape(long outChannels, PoolSpec spec) {
        long[] dims = new long[2 + spec.spatialRank()];
        dims[0] = outChannels;
        dims[1] = 1;
        for (int i = 0; i < spec.spatialRank(); i++) {
            dims[2 + i] = spec.kernel()[i];
        }
        return new Shape(dims);
    }
}
