package io.signstream.dashboard.messages;

import io.vertx.core.json.JsonObject;

import java.util.Arrays;
import java.util.Objects;

/**
 * One relevance map, as the pipeline publishes it on the event bus address {@link #ADDRESS} (as the
 * {@link JsonObject} of {@link #toJson()}).
 *
 * <p>{@code inputShape} is a batch of one, for example {@code [1,1,16,16]} (layout {@code NCHW}),
 * {@code [1,16,16,3]} ({@code NHWC}), {@code [1,2,256]} ({@code NCT}), {@code [1,256,2]} ({@code NTC}) or
 * {@code [1,20]} ({@code NC}). {@code input} and {@code relevance} hold that many values in row-major
 * order. {@code min}, {@code max}, {@code sum} and {@code sharePositive} (the share of positive relevance,
 * {@code sum(R⁺) / sum(|R|)}) describe the raw map. {@code queuedMillis + computeMillis} is the latency the
 * dashboard reports. The arrays are not copied: do not change them after publishing.
 *
 * @param eventId          id of the inference event the map explains
 * @param modelId          model id as registered in the pipeline
 * @param modelVersion     model version
 * @param method           method name (METHODS.md)
 * @param engine           {@code pytorch} or {@code tensorflow}
 * @param device           device the map was computed on, e.g. {@code cpu}
 * @param target           explained output index
 * @param targetLabel      human-readable label of the target, or {@code null}
 * @param logit            the model's logit for the target
 * @param inputShape       shape of the input, batch of one
 * @param layout           one letter per axis, starting with {@code N}
 * @param input            input values, row-major
 * @param relevance        relevance values, same size as {@code input}
 * @param min              smallest relevance value
 * @param max              largest relevance value
 * @param sum              sum of the relevance values
 * @param sharePositive    share of positive relevance, in [0,1]
 * @param queuedMillis     time the task waited before the worker started it
 * @param computeMillis    time the worker spent computing the map
 * @param producedAtMillis wall-clock time the map was produced (epoch milliseconds)
 */
public record ExplanationMessage(
        String eventId, String modelId, String modelVersion, String method, String engine, String device,
        int target, String targetLabel, double logit, long[] inputShape, String layout, float[] input,
        float[] relevance, double min, double max, double sum, double sharePositive, double queuedMillis,
        double computeMillis, long producedAtMillis) {

    /** Event-bus address the pipeline publishes explanations on. */
    public static final String ADDRESS = "signstream.explanations";

    /** Checks the invariants the dashboard relies on, so that a bad message fails where it is made. */
    public ExplanationMessage {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(modelVersion, "modelVersion");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(inputShape, "inputShape");
        Objects.requireNonNull(layout, "layout");
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(relevance, "relevance");
        if (inputShape.length < 2 || inputShape[0] != 1) {
            throw new IllegalArgumentException("inputShape must be a batch of one with at least 2 axes, got "
                    + Arrays.toString(inputShape));
        }
        if (layout.length() != inputShape.length || layout.charAt(0) != 'N') {
            throw new IllegalArgumentException("layout '" + layout + "' must name each of the "
                    + inputShape.length + " axes of " + Arrays.toString(inputShape) + ", batch (N) first");
        }
        long size = 1;
        for (long d : inputShape) {
            if (d <= 0) {
                throw new IllegalArgumentException("inputShape has a non-positive axis: " + Arrays.toString(inputShape));
            }
            size = Math.multiplyExact(size, d);
        }
        if (input.length != size || relevance.length != size) {
            throw new IllegalArgumentException("inputShape " + Arrays.toString(inputShape) + " holds " + size
                    + " values but input has " + input.length + " and relevance " + relevance.length);
        }
    }

    /** @return the JSON object published on the event bus */
    public JsonObject toJson() {
        return new JsonObject()
                .put("eventId", eventId).put("modelId", modelId).put("modelVersion", modelVersion)
                .put("method", method).put("engine", engine).put("device", device)
                .put("target", target).put("targetLabel", targetLabel).put("logit", logit)
                .put("inputShape", JsonArrays.of(inputShape)).put("layout", layout)
                .put("input", JsonArrays.of(input)).put("relevance", JsonArrays.of(relevance))
                .put("min", min).put("max", max).put("sum", sum).put("sharePositive", sharePositive)
                .put("queuedMillis", queuedMillis).put("computeMillis", computeMillis)
                .put("producedAtMillis", producedAtMillis);
    }

    /**
     * @param json an object as written by {@link #toJson()}
     * @return the message
     * @throws IllegalArgumentException when a field is missing, has the wrong type, or the sizes disagree
     */
    public static ExplanationMessage fromJson(JsonObject json) {
        return new ExplanationMessage(
                JsonArrays.requiredString(json, "eventId"), JsonArrays.requiredString(json, "modelId"),
                JsonArrays.requiredString(json, "modelVersion"), JsonArrays.requiredString(json, "method"),
                JsonArrays.requiredString(json, "engine"), JsonArrays.requiredString(json, "device"),
                JsonArrays.requiredNumber(json, "target").intValue(), JsonArrays.optionalString(json, "targetLabel"),
                JsonArrays.requiredNumber(json, "logit").doubleValue(), JsonArrays.longs(json, "inputShape"),
                JsonArrays.requiredString(json, "layout"), JsonArrays.floats(json, "input"),
                JsonArrays.floats(json, "relevance"), JsonArrays.requiredNumber(json, "min").doubleValue(),
                JsonArrays.requiredNumber(json, "max").doubleValue(), JsonArrays.requiredNumber(json, "sum").doubleValue(),
                JsonArrays.requiredNumber(json, "sharePositive").doubleValue(),
                JsonArrays.requiredNumber(json, "queuedMillis").doubleValue(),
                JsonArrays.requiredNumber(json, "computeMillis").doubleValue(),
                JsonArrays.requiredNumber(json, "producedAtMillis").longValue());
    }

    /** @return queued plus compute time, the latency the health panel reports */
    public double latencyMillis() {
        return queuedMillis + computeMillis;
    }

    // Records compare arrays by reference; messages are values, so compare contents.
    @Override
    public boolean equals(Object o) {
        return o instanceof ExplanationMessage m && target == m.target
                && Double.compare(logit, m.logit) == 0 && Double.compare(min, m.min) == 0
                && Double.compare(max, m.max) == 0 && Double.compare(sum, m.sum) == 0
                && Double.compare(sharePositive, m.sharePositive) == 0
                && Double.compare(queuedMillis, m.queuedMillis) == 0
                && Double.compare(computeMillis, m.computeMillis) == 0 && producedAtMillis == m.producedAtMillis
                && eventId.equals(m.eventId) && modelId.equals(m.modelId) && modelVersion.equals(m.modelVersion)
                && method.equals(m.method) && engine.equals(m.engine) && device.equals(m.device)
                && Objects.equals(targetLabel, m.targetLabel) && layout.equals(m.layout)
                && Arrays.equals(inputShape, m.inputShape) && Arrays.equals(input, m.input)
                && Arrays.equals(relevance, m.relevance);
    }

    @Override
    public int hashCode() {
        return Objects.hash(eventId, modelId, method, engine, target, Arrays.hashCode(inputShape),
                Arrays.hashCode(relevance));
    }

    // The default would print array identities; a summary is what a log line needs.
    @Override
    public String toString() {
        return "ExplanationMessage[eventId=" + eventId + ", model=" + modelId + ":" + modelVersion + ", method="
                + method + ", engine=" + engine + "/" + device + ", target=" + target + ", shape="
                + Arrays.toString(inputShape) + " " + layout + ", range=[" + min + ", " + max + "]]";
    }
}
