/**
 * The event-bus contract between the pipeline and the dashboard: {@link io.signstream.dashboard.messages.ExplanationMessage}
 * on {@code signstream.explanations} and {@link io.signstream.dashboard.messages.DeadLetterMessage} on
 * {@code signstream.dead-letters}, both sent as the {@link io.vertx.core.json.JsonObject} of their {@code toJson()}.
 */
package io.signstream.dashboard.messages;
