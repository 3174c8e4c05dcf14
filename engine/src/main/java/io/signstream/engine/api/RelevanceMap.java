package io.signstream.engine.api;

import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.npy.NpyArray;

/**
 * One method's relevance maps for a batch.
 *
 * @param method the method name as requested
 * @param engine the engine that computed it
 * @param device where it was computed
 * @param map float32 maps, same shape as the input (Grad-CAM without modifier: (N, 1, H, W))
 * @param targets the explained class per sample
 * @param targetLogits the model's logit for that class per sample
 * @param seconds wall time of the computation
 */
public record RelevanceMap(String method, EngineKind engine, String device, NpyArray map, int[] targets,
        float[] targetLogits, double seconds) {
}
