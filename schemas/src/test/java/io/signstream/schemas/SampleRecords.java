package io.signstream.schemas;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Fully populated example records for the tests. */
final class SampleRecords {

  static final Instant EVENT_TIME = Instant.ofEpochMilli(1_700_000_000_123L);

  private SampleRecords() {}

  static Tensor image() {
    float[] pixels = new float[1 * 3 * 2 * 2];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = i * 0.5f - 1f;
    }
    return TensorCodec.of(pixels, new long[] {1, 3, 2, 2}, Layout.NCHW);
  }

  static InferenceEvent inferenceEvent() {
    return InferenceEvent.newBuilder()
        .setEventId("ev-1")
        .setModelId("digits_cnn")
        .setModelVersion("3")
        .setEventTime(EVENT_TIME)
        .setInput(image())
        .setTarget(7)
        .setMethods(List.of("gradient", "lrp_epsilon_0_1"))
        .setParams(Map.of("epsilon", "0.1", "seed", "42"))
        .setEngine(Engines.PYTORCH)
        .setMetadata(Map.of("camera", "front"))
        .build();
  }

  static ExplainTask explainTask() {
    InferenceEvent e = inferenceEvent();
    return ExplainTask.newBuilder()
        .setEventId(e.getEventId())
        .setModelId(e.getModelId())
        .setModelVersion(e.getModelVersion())
        .setMethod("gradient")
        .setParams(e.getParams())
        .setEngine(Engines.TENSORFLOW)
        .setTarget(null)
        .setInput(e.getInput())
        .setEventTime(e.getEventTime())
        .setRoutedAt(EVENT_TIME.plusMillis(5))
        .setMetadata(e.getMetadata())
        .setSourceTopic("signstream.requests")
        .setSourcePartition(2)
        .setSourceOffset(12345L)
        .build();
  }

  static Explanation explanation() {
    return Explanation.newBuilder()
        .setEventId("ev-1")
        .setModelId("digits_cnn")
        .setModelVersion(null)
        .setMethod("lrp_epsilon_0_1")
        .setEngine(Engines.PYTORCH)
        .setDevice("cpu()")
        .setTarget(7)
        .setTargetLogit(3.25f)
        .setRelevance(image())
        .setSummary(RelevanceSummary.newBuilder().setSum(1.5).setMin(-1).setMax(4.5).setSharePositive(0.75).build())
        .setQueuedMillis(3)
        .setComputeMillis(11)
        .setProducedAt(EVENT_TIME.plusMillis(20))
        .build();
  }

  static DeadLetter deadLetter() {
    return DeadLetter.newBuilder()
        .setSourceTopic("signstream.requests")
        .setSourcePartition(0)
        .setSourceOffset(99L)
        .setSourceKey(ByteBuffer.wrap(new byte[] {'k'}))
        .setOriginalValue(ByteBuffer.wrap(new byte[] {1, 2, 3}))
        .setErrorCode(ErrorCode.UNDECODABLE)
        .setReason("not Avro")
        .setEventId(null)
        .setMethod(null)
        .setTime(EVENT_TIME)
        .build();
  }
}
