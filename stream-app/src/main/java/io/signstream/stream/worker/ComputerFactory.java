package io.signstream.stream.worker;

import io.signstream.stream.config.WorkerSettings;

/** Makes the {@link ExplanationComputer} of one worker instance. */
@FunctionalInterface
public interface ComputerFactory {

  /** A new computer for a worker of {@code engine}. */
  ExplanationComputer create(String engine, WorkerSettings settings);

  /** The real one: the engine's {@code Explainer}, with the configured cache size and device. */
  static ComputerFactory engine() {
    return (engine, s) -> new EngineExplanationComputer(s.explainerCacheSize(), s.device());
  }
}
