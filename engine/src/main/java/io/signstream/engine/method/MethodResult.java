package io.signstream.engine.method;

import ai.djl.ndarray.NDArray;

/**
 * A method's maps for a batch with what they explain.
 *
 * @param map relevance, the input's shape (Grad-CAM without modifier: one channel)
 * @param targets the explained class per sample
 * @param targetLogits the logit of that class per sample
 */
public record MethodResult(NDArray map, int[] targets, float[] targetLogits) {
}
