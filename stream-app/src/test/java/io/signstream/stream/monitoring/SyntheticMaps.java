package io.signstream.stream.monitoring;

import io.signstream.schemas.Explanation;
import io.signstream.schemas.Layout;
import io.signstream.schemas.RelevanceSummary;
import io.signstream.schemas.TensorCodec;
import java.time.Instant;
import java.util.Random;

/**
 * Synthetic relevance maps for the monitoring tests: 1x8x8 maps, a Gaussian blob per class plus
 * independent noise (stationary), or with the relevance moved to a bright 3x3 patch in the corner
 * (the shift the demo injects).
 */
final class SyntheticMaps {

  static final int SIDE = 8;
  static final long[] SHAPE = {1, 1, SIDE, SIDE};

  private final Random random;
  private final double noise;

  SyntheticMaps(long seed, double noise) {
    this.random = new Random(seed);
    this.noise = noise;
  }

  /** One map of {@code target}; shifted maps put most of the relevance on the corner patch. */
  float[] map(int target, boolean shifted) {
    float[] m = new float[SIDE * SIDE];
    double cx = 2 + target * 1.5;
    double cy = 3 + (target % 2);
    for (int y = 0; y < SIDE; y++) {
      for (int x = 0; x < SIDE; x++) {
        double blob = Math.exp(-((x - cx) * (x - cx) + (y - cy) * (y - cy)) / 4.0);
        double patch = shifted && x >= SIDE - 3 && y >= SIDE - 3 ? 1.5 : 0;
        m[y * SIDE + x] = (float) (blob + patch + noise * random.nextGaussian());
      }
    }
    return m;
  }

  int nextTarget(int classes) {
    return random.nextInt(classes);
  }

  static Explanation explanation(String eventId, String model, String method, String engine, int target, float[] map,
      long time) {
    double sum = 0;
    for (float v : map) {
      sum += v;
    }
    return Explanation.newBuilder()
        .setEventId(eventId).setModelId(model).setModelVersion("1").setMethod(method).setEngine(engine)
        .setDevice("cpu()").setTarget(target).setTargetLogit(1f)
        .setRelevance(TensorCodec.fromFloats(map, SHAPE, Layout.NCHW))
        .setSummary(RelevanceSummary.newBuilder().setSum(sum).setMin(0).setMax(1).setSharePositive(0.5).build())
        .setQueuedMillis(0).setComputeMillis(1).setProducedAt(Instant.ofEpochMilli(time))
        .build();
  }
}
