package io.signstream.engine.onnx;

/**
 * A tensor computed from the model input.
 *
 * @param id the ONNX name of the tensor produced by the graph node (or the graph input) that holds it; nodes are
 *     renamed only at the end of the import, so references stay valid while translating
 * @param shape the full shape with {@link #BATCH} at axis 0; every other axis is known, which is what lets the
 *     importer resolve SAME padding, Reshape targets and Shape nodes at import time
 * @param perSample whether ONNX sees this tensor without the graph's batch axis: after a Transpose or Reshape
 *     that moved the batch axis of a model exported with batch 1 (PyTorch's sequence-first
 *     {@code nn.MultiheadAttention}), the ONNX value of one sample is {@code shape[1:]}, in which the exported
 *     batch is a unit axis somewhere or merged into another axis; the graph still runs every sample of its own
 *     batch axis 0 through it (see {@link PerSampleOps})
 */
record GraphTensor(String id, long[] shape, boolean perSample) implements OnnxValue {

    GraphTensor(String id, long[] shape) {
        this(id, shape, false);
    }

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

    /** The shape ONNX's nodes see: the full shape, or for a per-sample tensor the shape of one sample. */
    long[] onnxShape() {
        return perSample ? java.util.Arrays.copyOfRange(shape, 1, shape.length) : shape.clone();
    }

    String describeShape() {
        if (perSample) {
            return "per-sample " + java.util.Arrays.toString(onnxShape()).replace('[', '(').replace(']', ')');
        }
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
