package io.signstream.stream.worker;

import io.signstream.stream.registry.ModelDescriptor;
import io.signstream.stream.registry.ModelRegistry;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the registry's models into a new worker's computer before it takes tasks, so the first requests
 * do not pay for model loading and the engines' first-call set-up (seconds for TensorFlow), which would
 * otherwise show as multi-second latencies on the dashboard. One zero input per model with its first
 * default method (else {@code gradient}); at most as many models as the explainer cache holds. A model
 * that fails here is logged, and the engine's computer records the failed load (shown on {@code /api/models});
 * its tasks will say why, as {@code MODEL_LOAD_FAILED} dead letters.
 */
public final class ModelWarmup {

  private static final Logger LOG = LoggerFactory.getLogger(ModelWarmup.class);

  private ModelWarmup() {}

  /** Warms {@code computer} (the engine's only; test stand-ins are left alone) and returns it. */
  public static ExplanationComputer warm(ExplanationComputer computer, ModelRegistry registry, String engine,
      int cacheSize) {
    if (!(computer instanceof EngineExplanationComputer)) {
      return computer;
    }
    long start = System.nanoTime();
    int warmed = 0;
    for (ModelDescriptor model : registry.all()) {
      if (warmed >= cacheSize) {
        break;
      }
      long[] shape = new long[model.inputShape().length + 1];
      shape[0] = 1;
      int size = 1;
      for (int i = 0; i < model.inputShape().length; i++) {
        shape[i + 1] = model.inputShape()[i];
        size *= (int) model.inputShape()[i];
      }
      List<String> methods = model.defaultMethods();
      String method = methods.isEmpty() ? "gradient" : methods.get(0);
      try {
        computer.compute(new ComputeRequest(model, engine, method, java.util.Map.of(), new float[size], shape, null));
        warmed++;
      } catch (ComputeException | RuntimeException e) {
        LOG.warn("warm-up of model {} on {} failed: {}", model.id(), engine, e.getMessage());
      }
    }
    LOG.info("{} worker warmed up {} model(s) in {} ms", engine, warmed, (System.nanoTime() - start) / 1_000_000);
    return computer;
  }
}
