package io.signstream.stream.worker;

import io.signstream.schemas.ExplainTask;
import io.signstream.schemas.Explanation;
import io.signstream.schemas.Layout;
import io.signstream.schemas.RelevanceSummary;
import io.signstream.schemas.TensorCodec;
import java.time.Instant;
import java.util.Arrays;

/** Builds {@link Explanation} records from one task's slice of a batch result. */
final class Explanations {

  private Explanations() {}

  /**
   * The explanation of {@code task}, whose samples start at {@code firstSample} in {@code result}.
   *
   * <p>The record has one target and one logit: those of the task's first sample (a task holds the
   * samples of one request, which share their requested target; for top-prediction requests with
   * several samples the others are in the relevance map only).
   */
  static Explanation of(ExplainTask task, ComputeResult result, int firstSample, int samples, long queuedMillis,
      long computeMillis, long nowMillis) {
    int perSample = result.relevance().length / (int) result.shape()[0];
    float[] slice = Arrays.copyOfRange(result.relevance(), firstSample * perSample, (firstSample + samples) * perSample);
    long[] shape = result.shape().clone();
    shape[0] = samples;
    Layout layout = sameShape(shape, task) ? task.getInput().getLayout() : Layout.ANY;
    return Explanation.newBuilder()
        .setEventId(task.getEventId())
        .setModelId(task.getModelId())
        .setModelVersion(task.getModelVersion())
        .setMethod(task.getMethod())
        .setEngine(result.engine())
        .setDevice(result.device())
        .setTarget(result.targets()[firstSample])
        .setTargetLogit(result.targetLogits()[firstSample])
        .setRelevance(TensorCodec.fromFloats(slice, shape, layout))
        .setSummary(summary(slice))
        .setQueuedMillis(queuedMillis)
        .setComputeMillis(computeMillis)
        .setProducedAt(Instant.ofEpochMilli(nowMillis))
        .build();
  }

  /** Sum, min, max and share of strictly positive values. */
  static RelevanceSummary summary(float[] values) {
    double sum = 0;
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    long positive = 0;
    for (float v : values) {
      sum += v;
      min = Math.min(min, v);
      max = Math.max(max, v);
      if (v > 0) {
        positive++;
      }
    }
    if (values.length == 0) {
      min = 0;
      max = 0;
    }
    return RelevanceSummary.newBuilder()
        .setSum(sum)
        .setMin(min)
        .setMax(max)
        .setSharePositive(values.length == 0 ? 0 : (double) positive / values.length)
        .build();
  }

  private static boolean sameShape(long[] shape, ExplainTask task) {
    return Arrays.equals(shape, TensorCodec.shape(task.getInput()));
  }
}
