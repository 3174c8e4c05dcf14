package io.signstream.engine.savedmodel;

import io.signstream.engine.graph.Weights;
import java.util.Arrays;

/**
 * A tensor known at import time: weights, biases, shapes and the arithmetic on them. Values are doubles so that
 * float32 weights and int32/int64 shape values both fit exactly. In shape arithmetic the batch size, unknown
 * until run time, is {@link #BATCH} (NaN, so that any value computed from it stays unknown).
 *
 * @param data values in C order
 * @param shape TensorFlow shape ({@code []} for a scalar)
 */
record TfConstant(double[] data, long[] shape) implements TfValue {

    /** The batch size in shape arithmetic (e.g. the first entry of {@code Shape(x)}). */
    static final double BATCH = Double.NaN;

    TfConstant {
        if (data.length != count(shape)) {
            throw new IllegalArgumentException("constant holds " + data.length + " values but shape "
                    + Arrays.toString(shape) + " needs " + count(shape));
        }
    }

    static TfConstant vector(double... values) {
        return new TfConstant(values, new long[] {values.length});
    }

    static TfConstant scalar(double value) {
        return new TfConstant(new double[] {value}, new long[0]);
    }

    int rank() {
        return shape.length;
    }

    int size() {
        return data.length;
    }

    /** The values as float32 weights of the given shape (same number of values). */
    Weights weights(long[] weightShape) {
        float[] f = new float[data.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) data[i];
        }
        return new Weights(f, weightShape.clone());
    }

    Weights weights() {
        return weights(shape);
    }

    static long count(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    @Override
    public String toString() {
        return "TfConstant" + Arrays.toString(shape)
                + (data.length <= 8 ? "=" + Arrays.toString(data) : "");
    }
}
