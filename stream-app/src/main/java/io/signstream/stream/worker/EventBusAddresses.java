package io.signstream.stream.worker;

/** Vert.x event-bus addresses on which the pipeline publishes JSON for the dashboard. */
public final class EventBusAddresses {

  /** One JSON summary per committed explanation (see {@link ExplanationJson#explanation}). */
  public static final String EXPLANATIONS = "signstream.explanations";

  /** One JSON object per committed dead letter (see {@link ExplanationJson#deadLetter}). */
  public static final String DEAD_LETTERS = "signstream.dead-letters";

  private EventBusAddresses() {}
}
