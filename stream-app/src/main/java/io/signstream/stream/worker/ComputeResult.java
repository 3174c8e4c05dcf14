package io.signstream.stream.worker;

/**
 * Relevance maps for a {@link ComputeRequest}, batch first like its input.
 *
 * @param relevance float32 values, C order
 * @param shape shape of {@code relevance}; usually the input's, single-channel for Grad-CAM
 * @param targets class explained, per sample
 * @param targetLogits model output at that class, per sample
 * @param engine engine that computed it
 * @param device device it ran on, as the engine names it
 */
public record ComputeResult(float[] relevance, long[] shape, int[] targets, float[] targetLogits, String engine,
    String device) {}
