package io.signstream.stream.worker;

import io.signstream.schemas.DeadLetter;
import io.signstream.schemas.Explanation;
import io.signstream.schemas.RelevanceSummary;
import io.signstream.schemas.TensorCodec;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The JSON the dashboard receives over the event bus.
 *
 * <p>An explanation carries its summary and, for maps of at most {@link #MAX_INLINE_VALUES} values
 * per sample, the first sample's map itself ({@code relevance}, flattened, with {@code shape}), so a
 * small heat map can be drawn without reading Kafka.
 */
public final class ExplanationJson {

  /** Largest per-sample map sent inline. */
  public static final int MAX_INLINE_VALUES = 4096;

  private ExplanationJson() {}

  /** Summary of an explanation. */
  public static JsonObject explanation(Explanation e) {
    long[] shape = TensorCodec.shape(e.getRelevance());
    RelevanceSummary s = e.getSummary();
    JsonObject json = new JsonObject()
        .put("eventId", e.getEventId())
        .put("modelId", e.getModelId())
        .put("modelVersion", e.getModelVersion())
        .put("method", e.getMethod())
        .put("engine", e.getEngine())
        .put("device", e.getDevice())
        .put("target", e.getTarget())
        .put("targetLogit", e.getTargetLogit())
        .put("shape", shapeJson(shape))
        .put("summary", new JsonObject().put("sum", s.getSum()).put("min", s.getMin()).put("max", s.getMax())
            .put("sharePositive", s.getSharePositive()))
        .put("queuedMillis", e.getQueuedMillis())
        .put("computeMillis", e.getComputeMillis())
        .put("producedAt", e.getProducedAt().toEpochMilli());
    long perSample = 1;
    for (int i = 1; i < shape.length; i++) {
      perSample *= shape[i];
    }
    if (shape.length > 0 && perSample <= MAX_INLINE_VALUES) {
      float[] all = TensorCodec.toFloatArray(e.getRelevance());
      JsonArray first = new JsonArray();
      for (int i = 0; i < perSample; i++) {
        first.add(all[i]);
      }
      json.put("relevance", first);
    }
    return json;
  }

  /** Summary of a dead letter (without the original bytes). */
  public static JsonObject deadLetter(DeadLetter d) {
    return new JsonObject()
        .put("eventId", d.getEventId())
        .put("method", d.getMethod())
        .put("errorCode", d.getErrorCode().name())
        .put("reason", d.getReason())
        .put("sourceTopic", d.getSourceTopic())
        .put("sourcePartition", d.getSourcePartition())
        .put("sourceOffset", d.getSourceOffset())
        .put("time", d.getTime().toEpochMilli());
  }

  private static JsonArray shapeJson(long[] shape) {
    JsonArray a = new JsonArray();
    for (long d : shape) {
      a.add(d);
    }
    return a;
  }
}
