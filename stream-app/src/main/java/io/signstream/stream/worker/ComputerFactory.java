package io.signstream.stream.worker;

import io.signstream.stream.config.WorkerSettings;
import io.signstream.stream.registry.ModelLoadStatus;

/** Makes the {@link ExplanationComputer} of one worker instance. */
@FunctionalInterface
public interface ComputerFactory {

  /**
   * A new computer for a worker of {@code engine}.
   *
   * @param loads where the computer records whether each model loaded (shared by the process's workers and
   *     read by {@code /api/models}); a stand-in that loads nothing may ignore it
   */
  ExplanationComputer create(String engine, WorkerSettings settings, ModelLoadStatus loads);

  /** The real one: the engine's {@code Explainer}, with the configured cache size and device. */
  static ComputerFactory engine() {
    return (engine, s, loads) -> new EngineExplanationComputer(s.explainerCacheSize(), s.device(), loads);
  }
}
