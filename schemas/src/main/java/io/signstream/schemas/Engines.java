package io.signstream.schemas;

import java.util.List;

/**
 * The engine names used in {@link InferenceEvent#getEngine()}, {@link ExplainTask#getEngine()},
 * {@link Explanation#getEngine()} and in the task topic names.
 *
 * <pre>{@code
 * if (!Engines.isKnown(event.getEngine())) { ... dead letter ... }
 * String topic = TopicNames.defaults().tasks(Engines.PYTORCH);   // "signstream.tasks.pytorch"
 * }</pre>
 */
public final class Engines {

  /** DJL's PyTorch engine. */
  public static final String PYTORCH = "pytorch";

  /** DJL's TensorFlow engine. */
  public static final String TENSORFLOW = "tensorflow";

  /** Every engine name, in a fixed order. */
  public static final List<String> ALL = List.of(PYTORCH, TENSORFLOW);

  private Engines() {}

  /**
   * The engine a producer meant: {@code name} trimmed and lower-cased if that is one of {@link #ALL}
   * ({@code "PyTorch"} gives {@code "pytorch"}), else empty.
   */
  public static java.util.Optional<String> canonical(String name) {
    if (name == null) {
      return java.util.Optional.empty();
    }
    String n = name.trim().toLowerCase(java.util.Locale.ROOT);
    return ALL.contains(n) ? java.util.Optional.of(n) : java.util.Optional.empty();
  }

  /** Whether {@code name} is exactly one of {@link #ALL} (see {@link #canonical} for what producers send). */
  public static boolean isKnown(String name) {
    return name != null && ALL.contains(name);
  }
}
