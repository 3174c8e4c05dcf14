package io.signstream.schemas;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The Kafka topic names of one SignStream deployment, all sharing a configurable prefix.
 *
 * <pre>{@code
 * TopicNames topics = TopicNames.defaults();          // prefix "signstream."
 * topics.requests();                                  // "signstream.requests"
 * topics.tasks(Engines.TENSORFLOW);                   // "signstream.tasks.tensorflow"
 * new TopicNames("staging.").deadLetter();            // "staging.dead-letter"
 * }</pre>
 *
 * @param prefix prepended to every name; may be empty; only the characters Kafka allows in topic
 *     names ({@code a-z A-Z 0-9 . _ -})
 */
public record TopicNames(String prefix) {

  /** The prefix used when none is configured. */
  public static final String DEFAULT_PREFIX = "signstream.";

  private static final Pattern LEGAL = Pattern.compile("[a-zA-Z0-9._-]*");
  private static final int KAFKA_MAX_TOPIC_LENGTH = 249;
  private static final int LONGEST_SUFFIX = "tasks.tensorflow".length();

  /** Validates the prefix. */
  public TopicNames {
    Objects.requireNonNull(prefix, "prefix");
    if (!LEGAL.matcher(prefix).matches()) {
      throw new IllegalArgumentException(
          "topic prefix '" + prefix + "' may only contain a-z, A-Z, 0-9, '.', '_' and '-'");
    }
    if (prefix.length() + LONGEST_SUFFIX > KAFKA_MAX_TOPIC_LENGTH) {
      throw new IllegalArgumentException("topic prefix is too long: topic names may have at most "
          + KAFKA_MAX_TOPIC_LENGTH + " characters");
    }
  }

  /** The names with prefix {@value #DEFAULT_PREFIX}. */
  public static TopicNames defaults() {
    return new TopicNames(DEFAULT_PREFIX);
  }

  /** Inference requests ({@link InferenceEvent}) from producers: {@code <prefix>requests}. */
  public String requests() {
    return prefix + "requests";
  }

  /** Tasks ({@link ExplainTask}) for the PyTorch workers: {@code <prefix>tasks.pytorch}. */
  public String tasksPytorch() {
    return tasks(Engines.PYTORCH);
  }

  /** Tasks ({@link ExplainTask}) for the TensorFlow workers: {@code <prefix>tasks.tensorflow}. */
  public String tasksTensorflow() {
    return tasks(Engines.TENSORFLOW);
  }

  /**
   * Tasks for one engine: {@code <prefix>tasks.<engine>}.
   *
   * @throws IllegalArgumentException if {@code engine} is not one of {@link Engines#ALL}
   */
  public String tasks(String engine) {
    if (!Engines.isKnown(engine)) {
      throw new IllegalArgumentException("unknown engine '" + engine + "', expected one of " + Engines.ALL);
    }
    return prefix + "tasks." + engine;
  }

  /** Computed relevance maps ({@link Explanation}): {@code <prefix>explanations}. */
  public String explanations() {
    return prefix + "explanations";
  }

  /** Failed requests ({@link DeadLetter}): {@code <prefix>dead-letter}. */
  public String deadLetter() {
    return prefix + "dead-letter";
  }

  /** Every topic name, e.g. to create them: requests, tasks per engine, explanations, dead letters. */
  public List<String> all() {
    List<String> all = new ArrayList<>();
    all.add(requests());
    for (String engine : Engines.ALL) {
      all.add(tasks(engine));
    }
    all.add(explanations());
    all.add(deadLetter());
    return List.copyOf(all);
  }
}
