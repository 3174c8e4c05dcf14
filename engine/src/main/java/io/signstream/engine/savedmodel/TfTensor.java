package io.signstream.engine.savedmodel;

/**
 * A tensor of the model graph being built, as the TensorFlow graph sees it.
 *
 * <p>The model graph computes convolution, pooling and batch norm channels first, so a TensorFlow (channels-last)
 * tensor may be held transposed: {@code channelsFirst} says the graph node's axes are (N, C, spatial...) while
 * {@code shape} stays the TensorFlow shape (N, spatial..., C). Keeping the TensorFlow shape lets every op keep its
 * own axis numbers; the builder converts between the two layouts where an op needs the other one.
 *
 * @param node the model-graph node (or the graph input) that holds the tensor
 * @param shape TensorFlow shape, batch first; entry 0 is -1 (any batch size)
 * @param channelsFirst true when the node holds the tensor transposed to (N, C, spatial...)
 */
record TfTensor(String node, long[] shape, boolean channelsFirst) implements TfValue {

    int rank() {
        return shape.length;
    }

    long sampleSize() {
        long n = 1;
        for (int i = 1; i < shape.length; i++) {
            n *= shape[i];
        }
        return n;
    }

    /** Rank 3 and up (N, spatial..., C) have a channels-first form; vectors are the same in both layouts. */
    boolean hasSpatialAxes() {
        return shape.length >= 3;
    }

    /** The graph axis that holds TensorFlow axis {@code tfAxis} (negative counts from the end). */
    int graphAxis(int tfAxis) {
        int a = tfAxis < 0 ? tfAxis + shape.length : tfAxis;
        if (!channelsFirst || a == 0) {
            return a;
        }
        return a == shape.length - 1 ? 1 : a + 1;
    }

    String describe() {
        StringBuilder sb = new StringBuilder("(N");
        for (int i = 1; i < shape.length; i++) {
            sb.append(", ").append(shape[i]);
        }
        return sb.append(')').toString();
    }
}
