/**
 * The event-bus contract between the pipeline and the dashboard: {@link io.signstream.dashboard.messages.ExplanationMessage}
 * on {@code signstream.explanations} and {@link io.signstream.dashboard.messages.DeadLetterMessage} on
 * {@code signstream.dead-letters}, sent as the records themselves (register their codecs with
 * {@link io.signstream.dashboard.messages.LocalMessageCodec#registerAll}) or as the
 * {@link io.vertx.core.json.JsonObject} of their {@code toJson()}; the dashboard takes either.
 */
package io.signstream.dashboard.messages;
