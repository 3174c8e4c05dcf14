package io.signstream.engine.npy;

import java.util.Arrays;

/**
 * A float32 array read from or written to a NumPy {@code .npy} file, C order, batch first.
 *
 * <pre>{@code
 * NpyArray x = NpyFile.read(Path.of("input.npy"));
 * long batch = x.shape()[0];
 * }</pre>
 */
public record NpyArray(float[] data, long[] shape) {

    public NpyArray {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException(
                    "array of " + data.length + " values cannot have shape " + Arrays.toString(shape));
        }
    }

    public int rank() {
        return shape.length;
    }

    /** Shape without the leading batch axis. */
    public long[] sampleShape() {
        return Arrays.copyOfRange(shape, 1, shape.length);
    }

    @Override
    public String toString() {
        return "NpyArray" + Arrays.toString(shape);
    }
}
