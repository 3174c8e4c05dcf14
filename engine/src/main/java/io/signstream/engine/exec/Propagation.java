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

    /**
     * Whether this propagation's rule at a ReLU passes nothing where the ReLU's input is ≤ 0 and treats each
     * element of the signal on its own elsewhere (the gradient's [z > 0]·g, guided backprop's). The reverse pass
     * then crosses a ReLU that feeds a max pooling after the pooling, at the pooled size ({@link ReluBeforeMaxPool});
     * the result is the same. DeconvNet's relu(g) and the LRP rules pass signal where z ≤ 0: false.
     */
    default boolean reluRuleMasksNonPositive() {
        return false;
    }
}
