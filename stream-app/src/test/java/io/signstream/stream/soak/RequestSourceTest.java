package io.signstream.stream.soak;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.signstream.engine.npy.NpyArray;
import io.signstream.schemas.Tensor;
import io.signstream.schemas.TensorCodec;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The load generator's multi-sample requests: samples stacked on the batch axis, in order, wrapping around. */
class RequestSourceTest {

  private static final List<NpyArray> SAMPLES = List.of(
      new NpyArray(new float[] {1, 2}, new long[] {1, 2}),
      new NpyArray(new float[] {3, 4}, new long[] {1, 2}),
      new NpyArray(new float[] {5, 6}, new long[] {1, 2}));

  @Test
  void stacksConsecutiveSamplesCyclically() {
    Tensor t = RequestSource.stacked(SAMPLES, 2, 4);

    assertArrayEquals(new long[] {4, 2}, TensorCodec.shape(t));
    assertArrayEquals(new float[] {5, 6, 1, 2, 3, 4, 5, 6}, TensorCodec.toFloatArray(t, 8));
  }

  @Test
  void oneSampleIsTheSampleItself() {
    Tensor t = RequestSource.stacked(SAMPLES, 1, 1);

    assertArrayEquals(new long[] {1, 2}, TensorCodec.shape(t));
    assertArrayEquals(new float[] {3, 4}, TensorCodec.toFloatArray(t, 2));
  }

  @Test
  void refusesSamplesOfDifferentSizes() {
    List<NpyArray> mixed = List.of(SAMPLES.get(0), new NpyArray(new float[] {1, 2, 3}, new long[] {1, 3}));

    assertThrows(IllegalArgumentException.class, () -> RequestSource.stacked(mixed, 0, 2));
  }
}
