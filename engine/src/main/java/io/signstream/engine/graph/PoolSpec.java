package io.signstream.engine.graph;

import java.util.Arrays;

/**
 * Pooling window for {@code k} spatial axes.
 *
 * @param kernel window size per spatial axis
 * @param strides step per spatial axis
 * @param padBegin padding before each spatial axis
 * @param padEnd padding after each spatial axis
 */
public record PoolSpec(int[] kernel, int[] strides, int[] padBegin, int[] padEnd) {

    public PoolSpec {
        int k = kernel.length;
        if (strides.length != k || padBegin.length != k || padEnd.length != k) {
            throw new IllegalArgumentException("pooling attributes disagree on the number of spatial axes");
        }
    }

    public static PoolSpec square(int spatialRank, int size) {
        int[] k = new int[spatialRank];
        Arrays.fill(k, size);
        return new PoolSpec(k, k.clone(), new int[spatialRank], new int[spatialRank]);
    }

    public int spatialRank() {
        return kernel.length;
    }

    /** Whether any spatial axis is padded. */
    public boolean hasPadding() {
        for (int i = 0; i < kernel.length; i++) {
            if (padBegin[i] != 0 || padEnd[i] != 0) {
                return true;
            }
        }
        return false;
    }

    /** Whether the windows tile the input: stride equal to the window on every axis, no padding. */
    public boolean tiles() {
        return !hasPadding() && Arrays.equals(kernel, strides);
    }

    /**
     * Whether every window is one element and every element a window (1×1, stride 1, no padding): pooling is then
     * the identity. torchvision's VGG exports its AdaptiveAvgPool2d((7, 7)) on a 7×7 input as such a pooling.
     */
    public boolean identity() {
        return tiles() && windowSize() == 1;
    }

    public int windowSize() {
        int n = 1;
        for (int k : kernel) {
            n *= k;
        }
        return n;
    }

    /** The equivalent convolution geometry (used to implement pooling with depthwise convolutions). */
    public ConvSpec asConv(int channels) {
        int[] d = new int[kernel.length];
        Arrays.fill(d, 1);
        return new ConvSpec(strides, padBegin, padEnd, d, channels);
    }

    public long outputLength(int axis, long in) {
        return (in + padBegin[axis] + padEnd[axis] - kernel[axis]) / strides[axis] + 1;
    }

    /**
     * The same window with {@code ceil_mode} output lengths, written as extra end padding: ⌈(L + pads − k)/s⌉ + 1
     * windows, less one when the last would start in the end padding (PyTorch's and ONNX's rule). For max pooling
     * the extra padding never wins a window; average pooling must exclude it from its divisor.
     *
     * @param inputLengths the spatial input lengths
     */
    public PoolSpec withCeilMode(long[] inputLengths) {
        int[] end = padEnd.clone();
        for (int i = 0; i < kernel.length; i++) {
            long span = inputLengths[i] + padBegin[i] + padEnd[i] - kernel[i];
            long out = Math.floorDiv(span + strides[i] - 1, strides[i]) + 1;
            if ((out - 1) * strides[i] >= inputLengths[i] + padBegin[i]) {
                out--;
            }
            long extra = (out - 1) * strides[i] + kernel[i] - (inputLengths[i] + padBegin[i] + padEnd[i]);
            end[i] += (int) Math.max(0, extra);
        }
        return new PoolSpec(kernel, strides, padBegin, end);
    }

    /** Whether the given padding adds nothing to this one (a ceil_mode that changes no output length). */
    public boolean samePadding(PoolSpec other) {
        return Arrays.equals(padBegin, other.padBegin) && Arrays.equals(padEnd, other.padEnd);
    }

    @Override
    public String toString() {
        return "PoolSpec[kernel=" + Arrays.toString(kernel) + ", strides=" + Arrays.toString(strides) + ", pads="
                + Arrays.toString(padBegin) + "/" + Arrays.toString(padEnd) + "]";
    }
}
