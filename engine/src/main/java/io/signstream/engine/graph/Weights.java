package io.signstream.engine.graph;

import java.util.Arrays;

/**
 * An engine-independent constant tensor (weights, biases, BatchNorm statistics): float32 values in C order.
 *
 * <pre>{@code
 * Weights bias = new Weights(new float[] {0.1f, -0.2f}, new long[] {2});
 * }</pre>
 */
public record Weights(float[] data, long[] shape) {

    public Weights {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            }
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException(
                    "weights hold " + data.length + " values but shape " + Arrays.toString(shape) + " needs " + n);
        }
    }

    public int rank() {
        return shape.length;
    }

    public long dim(int axis) {
        return shape[axis];
    }

    public long size() {
        return data.length;
    }

    @Override
    public String toString() {
        return "Weights" + Arrays.toString(shape);
    }
}
