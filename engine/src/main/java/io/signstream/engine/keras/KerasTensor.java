package io.signstream.engine.keras;

/**
 * A Keras tensor during import: the graph node that holds it, its shape as Keras sees it (channels last, no batch
 * axis) and whether the graph holds it channels-first. Spatial layers read channels-first copies; Flatten and
 * Reshape read channels-last ones, so that element order is the one Keras computes with.
 *
 * @param node the graph node (or the graph input) holding the values
 * @param shape the Keras shape of one sample, channels last
 * @param channelsFirst true when the node's axes are (N, C, spatial...) rather than the Keras (N, spatial..., C)
 */
record KerasTensor(String node, long[] shape, boolean channelsFirst) {

    /** Axes of one sample: 1 for (features), 2 for (T, C), 3 for (H, W, C). */
    int sampleRank() {
        return shape.length;
    }

    long channels() {
        return shape[shape.length - 1];
    }

    /** For a feature vector both layouts are the same array. */
    boolean layoutFree() {
        return shape.length < 2;
    }

    String describeShape() {
        return KerasTopology.describe(withBatch());
    }

    private long[] withBatch() {
        long[] s = new long[shape.length + 1];
        s[0] = -1;
        System.arraycopy(shape, 0, s, 1, shape.length);
        return s;
    }
}
