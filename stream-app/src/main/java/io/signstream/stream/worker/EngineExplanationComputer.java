package io.signstream.stream.worker;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.Explainer;
import io.signstream.engine.api.RelevanceMap;
import io.signstream.engine.backend.DeviceChoice;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.npy.NpyArray;
import io.signstream.stream.registry.ModelDescriptor;

/**
 * The adapter between the worker and the engine: explains a batch with an {@link Explainer}, keeping
 * loaded models in a bounded LRU cache (one cache per worker instance, since explainers are not
 * thread-safe).
 *
 * <p>Worker instances explain concurrently on both engines: the engine computes its reverse passes
 * itself and opens no DJL gradient collector (the one process-wide PyTorch state that needed a lock,
 * see {@code PyTorchAutograd}).
 */
public final class EngineExplanationComputer implements ExplanationComputer {

  private final LruCache<CacheKey, Explainer> explainers;
  private final DeviceChoice device;

  private record CacheKey(String modelId, String version, String engine) {}

  /**
   * A computer with room for {@code cacheSize} loaded models.
   *
   * @param device "cpu", "auto" or "gpu"
   */
  public EngineExplanationComputer(int cacheSize, String device) {
    this.explainers = new LruCache<>(cacheSize);
    this.device = DeviceChoice.parse(device);
  }

  @Override
  public ComputeResult compute(ComputeRequest request) throws ComputeException {
    ModelDescriptor model = request.model();
    EngineKind kind = EngineKind.parse(request.engine());
    CacheKey key = new CacheKey(model.id(), model.version(), kind.id());
    Explainer explainer;
    try {
      explainer = explainers.get(key, k -> Explainer.open(model.file(), kind, device));
    } catch (ExplainException e) {
      throw new ComputeException("cannot load model '" + model.id() + "' (" + e.kind() + "): " + e.getMessage(), e);
    } catch (Exception e) {
      throw new ComputeException("cannot load model '" + model.id() + "': " + e, e);
    }
    NpyArray input = new NpyArray(request.input(), request.shape());
    RelevanceMap map;
    try {
      map = explainer.explain(input, request.targets(), request.method(), request.params());
    } catch (ExplainException e) {
      if (e.kind() == ExplainException.Kind.COMPUTE_FAILED) {
        // an engine failure may leave native state behind: reload the model next time
        explainers.evict(key);
      }
      throw new ComputeException(e.kind() + ": " + e.getMessage(), e);
    }
    return new ComputeResult(map.map().data(), map.map().shape(), map.targets(), map.targetLogits(),
        map.engine().id(), map.device());
  }

  @Override
  public void close() {
    explainers.close();
  }
}
