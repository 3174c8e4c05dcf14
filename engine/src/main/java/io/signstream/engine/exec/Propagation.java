package io.signstream.engine.exec;

import ai.djl.ndarray.NDArray;

/**
 * How a signal crosses one node on the way back from the output: the only thing that differs between the
 * plain gradient, guided backprop, DeconvNet and every LRP rule (the iNNvestigate design: one reverse pass,
 * one rule per layer type).
 */
public interface Propagation {

    /**
     * @param step the node with its forward values
     * @param upstream the signal arriving at the node's output
     * @return the signal for each of the node's inputs, in operand order
     */
    NDArray[] backward(NodeStep step, NDArray upstream);
}
