package io.signstream.engine.onnx;

/**
 * A tensor computed from the model input.
 *
 * @param id the ONNX name of the tensor produced by the graph node (or the graph input) that holds it; nodes are
 *     renamed only at the end of the import, so references stay valid while translating
 * @param shape the full shape with {@link #BATCH} at axis 0; every other axis is known, which is what lets the
 *     importer resolve SAME padding, Reshape targets and Shape nodes at import time
 */
record GraphTensor(String id, long[] shape) implements OnnxValue {

    /** The batch axis: its length is only known at run time. */
    static final long BATCH = -1;

    int rank() {
        return shape.length;
    }

    long dim(int axis) {
        return shape[axis];
    }

    /** Number of values of one sample (every axis but the batch). */
    long sampleSize() {
        long n = 1;
        for (int i = 1; i < shape.length; i++) {
            n *= shape[i];
        }
        return n;
    }

    /** A shape with the batch axis first and the given per-sample axes. */
    static long[] withBatch(long... sampleDims) {
        long[] s = new long[sampleDims.length + 1];
        s[0] = BATCH;
        System.arraycopy(sampleDims, 0, s, 1, sampleDims.length);
        return s;
    }

    String describeShape() {
        StringBuilder sb = new StringBuilder("(N");
        for (int i = 1; i < shape.length; i++) {
            sb.append(", ").append(shape[i]);
        }
        return sb.append(')').toString();
    }

    @Override
    public String toString() {
        return id + describeShape();
    }
}
