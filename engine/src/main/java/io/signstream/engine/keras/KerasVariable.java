package io.signstream.engine.keras;

import io.signstream.engine.graph.Weights;

/**
 * One stored variable of a Keras layer, in the file's own layout (Dense kernels (in, out), Conv2D kernels HWIO).
 *
 * @param name the variable's name where the file records one ({@code conv2d/kernel:0}), else its index
 * @param value the values
 */
record KerasVariable(String name, Weights value) {
}
