package io.signstream.stream.worker;

/** Vert.x event-bus addresses on which the pipeline publishes JSON for the dashboard. */
public final class EventBusAddresses {

  /** One JSON summary per committed explanation (an {@code ExplanationMessage} of the web-dashboard module). */
  public static final String EXPLANATIONS = io.signstream.dashboard.messages.ExplanationMessage.ADDRESS;

  /** One JSON object per committed dead letter (a {@code DeadLetterMessage}). */
  public static final String DEAD_LETTERS = io.signstream.dashboard.messages.DeadLetterMessage.ADDRESS;

  private EventBusAddresses() {}
}
