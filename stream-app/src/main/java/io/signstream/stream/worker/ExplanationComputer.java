package io.signstream.stream.worker;

/**
 * Computes relevance maps for a batch. The worker depends on this interface only, so the engine
 * adapter ({@link EngineExplanationComputer}) is the one class that knows the engine API, and tests
 * can run the Kafka machinery with a cheap stand-in.
 *
 * <p>Not thread-safe by contract: each worker verticle instance gets its own (engine explainers are
 * not thread-safe either).
 */
public interface ExplanationComputer extends AutoCloseable {

  /**
   * Computes one batch.
   *
   * @throws ComputeException when the batch cannot be explained (model cannot be loaded, engine error, …)
   */
  ComputeResult compute(ComputeRequest request) throws ComputeException;

  /** Releases loaded models. */
  @Override
  void close();
}
