package io.signstream.dashboard.messages;

import io.vertx.core.json.JsonObject;

import java.util.Objects;

/**
 * A request the pipeline could not explain, as published on the event bus address {@link #ADDRESS} (as the
 * {@link JsonObject} of {@link #toJson()}).
 *
 * @param errorCode   short machine-readable code, e.g. {@code BAD_SHAPE}
 * @param reason      one-line human-readable reason
 * @param sourceTopic Kafka topic the bad record came from
 * @param partition   its partition
 * @param offset      its offset
 * @param eventId     event id, or {@code null} when the record could not be decoded
 * @param modelId     model id, or {@code null} when unknown
 * @param method      method, or {@code null} when unknown
 * @param timeMillis  when the record was dead-lettered (epoch milliseconds)
 */
public record DeadLetterMessage(String errorCode, String reason, String sourceTopic, int partition, long offset,
                                String eventId, String modelId, String method, long timeMillis) {

    /** Event-bus address the pipeline publishes dead letters on. */
    public static final String ADDRESS = "signstream.dead-letters";

    /** Requires the fields a reader of the dead-letter panel cannot do without. */
    public DeadLetterMessage {
        Objects.requireNonNull(errorCode, "errorCode");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(sourceTopic, "sourceTopic");
    }

    /** @return the JSON object published on the event bus */
    public JsonObject toJson() {
        return new JsonObject()
                .put("errorCode", errorCode).put("reason", reason).put("sourceTopic", sourceTopic)
                .put("partition", partition).put("offset", offset).put("eventId", eventId)
                .put("modelId", modelId).put("method", method).put("timeMillis", timeMillis);
    }

    /**
     * @param json an object as written by {@link #toJson()}
     * @return the message
     * @throws IllegalArgumentException when a field is missing or has the wrong type
     */
    public static DeadLetterMessage fromJson(JsonObject json) {
        return new DeadLetterMessage(
                JsonArrays.requiredString(json, "errorCode"), JsonArrays.requiredString(json, "reason"),
                JsonArrays.requiredString(json, "sourceTopic"), JsonArrays.requiredNumber(json, "partition").intValue(),
                JsonArrays.requiredNumber(json, "offset").longValue(), JsonArrays.optionalString(json, "eventId"),
                JsonArrays.optionalString(json, "modelId"), JsonArrays.optionalString(json, "method"),
                JsonArrays.requiredNumber(json, "timeMillis").longValue());
    }
}
