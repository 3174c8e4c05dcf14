package io.signstream.engine.graph;

import java.util.Arrays;

/**
 * Convolution hyper-parameters for {@code k} spatial axes.
 *
 * @param strides one per spatial axis
 * @param padBegin zero padding before each spatial axis
 * @param padEnd zero padding after each spatial axis
 * @param dilations one per spatial axis
 * @param groups channel groups (1 = ordinary convolution)
 */
public record ConvSpec(int[] strides, int[] padBegin, int[] padEnd, int[] dilations, int groups) {

    public ConvSpec {
        int k = strides.length;
        if (padBegin.length != k || padEnd.length != k || dilations.length != k) {
            throw new IllegalArgumentException("convolution attributes disagree on the number of spatial axes");
        }
        if (groups < 1) {
            throw new IllegalArgumentException("groups must be >= 1, got " + groups);
        }
    }

    public static ConvSpec simple(int spatialRank, int stride, int pad) {
        int[] s = new int[spatialRank];
        int[] p = new int[spatialRank];
        int[] d = new int[spatialRank];
        Arrays.fill(s, stride);
        Arrays.fill(p, pad);
        Arrays.fill(d, 1);
        return new ConvSpec(s, p, p.clone(), d, 1);
    }

    public int spatialRank() {
        return strides.length;
    }

    public boolean symmetricPadding() {
        return Arrays.equals(padBegin, padEnd);
    }

    /** Output length of spatial axis {@code axis} for an input of length {@code in} and kernel {@code k}. */
    public long outputLength(int axis, long in, long k) {
        long effective = dilations[axis] * (k - 1) + 1;
        return (in + padBegin[axis] + padEnd[axis] - effective) / strides[axis] + 1;
    }

    @Override
    public String toString() {
        return "ConvSpec[strides=" + Arrays.toString(strides) + ", pads=" + Arrays.toString(padBegin) + "/"
                + Arrays.toString(padEnd) + ", dilations=" + Arrays.toString(dilations) + ", groups=" + groups + "]";
    }
}
