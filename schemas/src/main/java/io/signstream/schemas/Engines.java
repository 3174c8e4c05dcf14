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

  /** Whether {@code name} is exactly one of {@link #ALL}. */
  public static boolean isKnown(String name) {
    return name != null && ALL.contains(name);
  }
}
