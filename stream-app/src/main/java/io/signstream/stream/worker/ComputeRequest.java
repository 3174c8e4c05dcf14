package io.signstream.stream.worker;

import io.signstream.stream.registry.ModelDescriptor;
import java.util.Map;

/**
 * One explain call: several tasks of the same model and method stacked along the batch axis.
 *
 * @param model the model to explain
 * @param engine "pytorch" or "tensorflow"
 * @param method method name
 * @param params method parameters
 * @param input float32 values, C order, batch first
 * @param shape shape of {@code input}, batch first
 * @param targets one class index per sample, or null to explain each sample's top prediction
 */
public record ComputeRequest(
    ModelDescriptor model, String engine, String method, Map<String, String> params, float[] input, long[] shape,
    int[] targets) {

  /** Number of samples (the batch axis). */
  public int samples() {
    return (int) shape[0];
  }
}
