package io.signstream.engine.graph;

/** The axis order of a model's input, batch first. */
public enum TensorLayout {
    /** images, channels first (PyTorch, ONNX) */
    NCHW,
    /** images, channels last (Keras, TensorFlow) */
    NHWC,
    /** sequences, channels first */
    NCT,
    /** sequences, channels last */
    NTC,
    /** feature vectors */
    NC;

    public boolean channelsLast() {
        return this == NHWC || this == NTC;
    }

    /** The layout a model of the given input rank (batch included) most likely uses when channels come first. */
    public static TensorLayout channelsFirstForRank(int rank) {
        return switch (rank) {
            case 2 -> NC;
            case 3 -> NCT;
            case 4 -> NCHW;
            default -> throw new IllegalArgumentException("no layout for rank " + rank);
        };
    }
}
