package io.signstream.stream.worker;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.Explainer;
import io.signstream.engine.api.RelevanceMap;
import io.signstream.engine.backend.DeviceChoice;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.npy.NpyArray;
import io.signstream.schemas.ErrorCode;
import io.signstream.stream.registry.ModelDescriptor;
import io.signstream.stream.registry.ModelLoadStatus;

/**
 * The adapter between the worker and the engine: explains a batch with an {@link Explainer}, keeping
 * loaded models in a bounded LRU cache (one cache per worker instance, since explainers are not
 * thread-safe).
 *
 * <p>Worker instances explain concurrently on both engines: the engine computes its reverse passes
 * itself and opens no DJL gradient collector (the one process-wide PyTorch state that needed a lock,
 * see {@code PyTorchAutograd}).
 *
 * <p>Every load's outcome goes to a {@link ModelLoadStatus} (shown on {@code /api/models}); a model that
 * cannot be imported fails its tasks with {@code MODEL_LOAD_FAILED} and a one-line reason naming the model,
 * the engine and what is missing. ONNX and Keras/TF models are imported when opened, TorchScript ones
 * on their first explain, so an import error from either step counts as a failed load.
 */
public final class EngineExplanationComputer implements ExplanationComputer {

  private final LruCache<CacheKey, Explainer> explainers;
  private final DeviceChoice device;
  private final ModelLoadStatus loads;

  private record CacheKey(String modelId, String version, String engine) {}

  /**
   * A computer with room for {@code cacheSize} loaded models.
   *
   * @param device "cpu", "auto" or "gpu"
   */
  public EngineExplanationComputer(int cacheSize, String device) {
    this(cacheSize, device, new ModelLoadStatus());
  }

  /** As {@link #EngineExplanationComputer(int, String)}, recording each load's outcome in {@code loads}. */
  public EngineExplanationComputer(int cacheSize, String device, ModelLoadStatus loads) {
    this.explainers = new LruCache<>(cacheSize);
    this.device = DeviceChoice.parse(device);
    this.loads = loads;
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
      throw loadFailed(model, kind, e.getMessage(), e);
    } catch (Exception e) {
      throw loadFailed(model, kind, e.toString(), e);
    }
    NpyArray input = new NpyArray(request.input(), request.shape());
    RelevanceMap map;
    try {
      map = explainer.explain(input, request.targets(), request.method(), request.params());
    } catch (ExplainException e) {
      if (e.kind() == ExplainException.Kind.UNSUPPORTED_MODEL || e.kind() == ExplainException.Kind.CORRUPT_MODEL) {
        // only importers raise these: a TorchScript model is imported on its first explain
        explainers.evict(key);
        throw loadFailed(model, kind, e.getMessage(), e);
      }
      if (e.kind() == ExplainException.Kind.COMPUTE_FAILED) {
        // an engine failure may leave native state behind: reload the model next time
        explainers.evict(key);
      }
      throw new ComputeException(e.kind() + ": " + e.getMessage(), e);
    }
    loads.loaded(model.id(), kind.id());
    return new ComputeResult(map.map().data(), map.map().shape(), map.targets(), map.targetLogits(),
        map.engine().id(), map.device());
  }

  /** Records the failed load and makes the exception its tasks fail with; one line, as on {@code /api/models}. */
  private ComputeException loadFailed(ModelDescriptor model, EngineKind kind, String what, Exception cause) {
    String reason = loads.failed(model.id(), kind.id(), "cannot load model '" + model.id() + "' on " + kind.id()
        + ": " + what);
    return new ComputeException(ErrorCode.MODEL_LOAD_FAILED, reason, cause);
  }

  @Override
  public void close() {
    explainers.close();
  }
}
