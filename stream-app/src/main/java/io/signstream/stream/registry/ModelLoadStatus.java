package io.signstream.stream.registry;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Whether each registry model could be loaded, per engine, as this process's workers last found out
 * (at warm-up or on a later load). Written by the workers' computers, read by {@code GET /api/models};
 * a model no worker of this process has tried to load has no entry. Thread-safe.
 */
public final class ModelLoadStatus {

  /** The outcome of the last load of one model on one engine. */
  public enum State { LOADED, FAILED }

  /**
   * One model on one engine.
   *
   * @param reason one line for a user when {@link State#FAILED} (what is missing), else null
   */
  public record Outcome(State state, String reason) {}

  private final ConcurrentMap<String, ConcurrentMap<String, Outcome>> byModel = new ConcurrentHashMap<>();

  /** Records that {@code modelId} loaded and explained on {@code engine}. */
  public void loaded(String modelId, String engine) {
    Map<String, Outcome> engines = byModel.get(modelId);
    Outcome now = engines == null ? null : engines.get(engine);
    if (now == null || now.state() != State.LOADED) { // the usual case is already recorded: no write
      put(modelId, engine, new Outcome(State.LOADED, null));
    }
  }

  /**
   * Records that {@code modelId} cannot be loaded on {@code engine}, and why.
   *
   * @return the reason as recorded: its first line, whitespace collapsed
   */
  public String failed(String modelId, String engine, String reason) {
    String line = oneLine(reason);
    put(modelId, engine, new Outcome(State.FAILED, line));
    return line;
  }

  /** The outcomes known for {@code modelId}, by engine name (sorted); empty when none is known. */
  public Map<String, Outcome> of(String modelId) {
    Map<String, Outcome> engines = byModel.get(modelId);
    return engines == null ? Map.of() : new TreeMap<>(engines);
  }

  private void put(String modelId, String engine, Outcome outcome) {
    byModel.computeIfAbsent(modelId, k -> new ConcurrentHashMap<>()).put(engine, outcome);
  }

  /** Engine messages may carry a cause on further lines; the status shows the first, whitespace collapsed. */
  static String oneLine(String reason) {
    if (reason == null || reason.isBlank()) {
      return "unknown reason";
    }
    return reason.strip().lines().findFirst().orElse("").replaceAll("\\s+", " ");
  }
}
