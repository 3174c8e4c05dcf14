package io.signstream.stream.worker;

import io.signstream.dashboard.messages.DeadLetterMessage;
import io.signstream.dashboard.messages.ExplanationMessage;
import io.signstream.schemas.DeadLetter;
import io.signstream.schemas.ExplainTask;
import io.signstream.schemas.Explanation;
import io.signstream.schemas.Layout;
import io.signstream.schemas.RelevanceSummary;
import io.signstream.schemas.TensorCodec;
import io.signstream.stream.registry.ModelDescriptor;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.List;

/**
 * Turns committed results into the dashboard's event-bus messages (the contract of the web-dashboard module):
 * the first sample of each explanation with its input, in the input's layout. Explanations go as records
 * ({@code LocalMessageCodec}), dead letters, which are rare, as JSON.
 */
final class DashboardFeed {

  private DashboardFeed() {}

  static ExplanationMessage explanation(ExplainTask task, Explanation e, ModelDescriptor model) {
    long[] shape = TensorCodec.shape(task.getInput());
    long[] one = shape.clone();
    one[0] = 1;
    int perSample = (int) (Arrays.stream(one).reduce(1, (a, b) -> a * b));
    float[] input = Arrays.copyOf(TensorCodec.toFloatArray(task.getInput()), perSample);
    float[] all = TensorCodec.toFloatArray(e.getRelevance());
    String layout = layout(task.getInput().getLayout(), shape.length);
    float[] relevance = all.length / Math.max(1, shape[0]) == perSample
        ? Arrays.copyOf(all, perSample)
        : overChannels(all, one, layout);
    RelevanceSummary s = e.getSummary();
    String label = null;
    if (model != null) {
      List<String> labels = model.classLabels();
      label = e.getTarget() >= 0 && e.getTarget() < labels.size() ? labels.get(e.getTarget()) : null;
    }
    return new ExplanationMessage(e.getEventId(), e.getModelId(),
        e.getModelVersion() == null ? "" : e.getModelVersion(), e.getMethod(), e.getEngine(), e.getDevice(),
        e.getTarget(), label, e.getTargetLogit(), one, layout, input, relevance, s.getMin(), s.getMax(),
        s.getSum(), s.getSharePositive(), e.getQueuedMillis(), e.getComputeMillis(),
        e.getProducedAt().toEpochMilli());
  }

  static JsonObject deadLetter(DeadLetter d) {
    return new DeadLetterMessage(d.getErrorCode().name(), d.getReason(), d.getSourceTopic(),
        d.getSourcePartition(), d.getSourceOffset(), d.getEventId(), null, d.getMethod(),
        d.getTime().toEpochMilli()).toJson();
  }

  private static String layout(Layout layout, int rank) {
    if (layout != null && layout != Layout.ANY && layout.name().length() == rank) {
      return layout.name();
    }
    return switch (rank) {
      case 2 -> "NC";
      case 3 -> "NCT";
      default -> "NCHW";
    };
  }

  /** A single-channel map (Grad-CAM) repeated over the input's channels so it overlays the input. */
  private static float[] overChannels(float[] all, long[] oneShape, String layout) {
    boolean channelsLast = layout.endsWith("C") && !layout.equals("NC");
    int channels = (int) (channelsLast ? oneShape[oneShape.length - 1] : oneShape[1]);
    int perSample = (int) Arrays.stream(oneShape).reduce(1, (a, b) -> a * b);
    int plane = perSample / channels;
    float[] out = new float[perSample];
    for (int p = 0; p < plane; p++) {
      float v = p < all.length ? all[p] : 0f;
      for (int c = 0; c < channels; c++) {
        out[channelsLast ? p * channels + c : c * plane + p] = v;
      }
    }
    return out;
  }
}
