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

    @Override
    public String toString() {
        return "PoolSpec[kernel=" + Arrays.toString(kernel) + ", strides=" + Arrays.toString(strides) + ", pads="
                + Arrays.toString(padBegin) + "/" + Arrays.toString(padEnd) + "]";
    }
}
