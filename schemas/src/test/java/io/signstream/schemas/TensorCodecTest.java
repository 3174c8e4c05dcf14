package io.signstream.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class TensorCodecTest {

  private static final long[] SHAPE = {2, 3};

  private static void assertFails(ErrorCode code, Executable call) {
    TensorCodecException e = assertThrows(TensorCodecException.class, call);
    assertEquals(code, e.errorCode(), e.getMessage());
  }

  private static Tensor raw(DType dtype, List<Long> shape, byte[] data) {
    return Tensor.newBuilder().setDtype(dtype).setShape(shape).setData(ByteBuffer.wrap(data)).build();
  }

  @Test
  void floatsRoundTripLittleEndian() {
    float[] data = {1.5f, -2f, 0f, Float.MIN_VALUE, 1e30f, -0.25f};
    Tensor t = TensorCodec.of(data, SHAPE, Layout.NC);
    assertEquals(DType.FLOAT32, t.getDtype());
    assertEquals(List.of(2L, 3L), t.getShape());
    assertEquals(Layout.NC, t.getLayout());
    assertEquals(24, t.getData().remaining());
    // 1.5f = 0x3FC00000, little-endian first
    assertEquals((byte) 0x00, t.getData().get(0));
    assertEquals((byte) 0xC0, t.getData().get(2));
    assertEquals((byte) 0x3F, t.getData().get(3));
    assertArrayEquals(data, TensorCodec.toFloatArray(t));
    assertArrayEquals(data, TensorCodec.toFloatArray(t, 6));
  }

  @Test
  void everyDtypeRoundTripsAndConvertsToFloat() {
    double[] doubles = {1.25, -2, 3, 4, 5, 1e-3};
    Tensor d = TensorCodec.fromDoubles(doubles, SHAPE, Layout.ANY);
    assertArrayEquals(doubles, TensorCodec.toDoubleArray(d));
    assertArrayEquals(new float[] {1.25f, -2, 3, 4, 5, 1e-3f}, TensorCodec.toFloatArray(d));

    int[] ints = {-1, 0, 1, Integer.MAX_VALUE, Integer.MIN_VALUE, 7};
    Tensor i = TensorCodec.fromInts(ints, SHAPE, null);
    assertEquals(Layout.ANY, i.getLayout());
    assertArrayEquals(ints, TensorCodec.toIntArray(i));
    assertArrayEquals(new long[] {-1, 0, 1, Integer.MAX_VALUE, Integer.MIN_VALUE, 7}, TensorCodec.toLongArray(i));
    assertEquals(-1f, TensorCodec.toFloatArray(i)[0]);

    long[] longs = {Long.MAX_VALUE, -5, 0, 1, 2, 3};
    Tensor l = TensorCodec.fromLongs(longs, SHAPE, Layout.ANY);
    assertArrayEquals(longs, TensorCodec.toLongArray(l));
    assertEquals(-5f, TensorCodec.toFloatArray(l)[1]);
    assertEquals(-5.0, TensorCodec.toDoubleArray(l)[1]);

    byte[] pixels = {0, 1, 127, (byte) 128, (byte) 255, 9};
    Tensor u = TensorCodec.fromUint8(pixels, SHAPE, Layout.ANY);
    assertArrayEquals(pixels, TensorCodec.toUint8Array(u));
    assertArrayEquals(new float[] {0, 1, 127, 128, 255, 9}, TensorCodec.toFloatArray(u));
    assertArrayEquals(new int[] {0, 1, 127, 128, 255, 9}, TensorCodec.toIntArray(u));
    assertArrayEquals(new long[] {0, 1, 127, 128, 255, 9}, TensorCodec.toLongArray(u));
  }

  @Test
  void lossyIntegerReadsAreBadDtype() {
    Tensor f = TensorCodec.of(new float[6], SHAPE, Layout.ANY);
    assertFails(ErrorCode.BAD_DTYPE, () -> TensorCodec.toIntArray(f));
    assertFails(ErrorCode.BAD_DTYPE, () -> TensorCodec.toLongArray(f));
    assertFails(ErrorCode.BAD_DTYPE, () -> TensorCodec.toUint8Array(f));
    Tensor l = TensorCodec.fromLongs(new long[6], SHAPE, Layout.ANY);
    assertFails(ErrorCode.BAD_DTYPE, () -> TensorCodec.toIntArray(l));
  }

  @Test
  void scalarHasOneElement() {
    Tensor s = TensorCodec.of(new float[] {4f}, new long[0], Layout.ANY);
    assertEquals(1, TensorCodec.elementCount(s, 1));
    assertArrayEquals(new float[] {4f}, TensorCodec.toFloatArray(s));
  }

  @Test
  void zeroSizedDimensionIsEmpty() {
    Tensor e = TensorCodec.of(new float[0], new long[] {0, 3}, Layout.NC);
    assertEquals(0, TensorCodec.toFloatArray(e).length);
  }

  @Test
  void readingDoesNotMoveTheRecordsBuffer() {
    Tensor t = TensorCodec.of(new float[] {1, 2, 3, 4, 5, 6}, SHAPE, Layout.NC);
    TensorCodec.toFloatArray(t);
    TensorCodec.toDoubleArray(t);
    assertEquals(0, t.getData().position());
    assertEquals(24, t.getData().remaining());
  }

  @Test
  void readsABufferThatDoesNotStartAtIndexZero() {
    ByteBuffer padded = ByteBuffer.allocate(10);
    padded.put(new byte[] {9, 9, 1, 2, 3, 4});
    padded.position(2).limit(6);
    Tensor t = Tensor.newBuilder().setDtype(DType.UINT8).setShape(List.of(4L)).setData(padded).build();
    assertArrayEquals(new byte[] {1, 2, 3, 4}, TensorCodec.toUint8Array(t));
  }

  @Test
  void truncatedOrExtraBytesAreBadShape() {
    assertFails(ErrorCode.BAD_SHAPE, () -> TensorCodec.toFloatArray(raw(DType.FLOAT32, List.of(2L, 3L), new byte[23])));
    assertFails(ErrorCode.BAD_SHAPE, () -> TensorCodec.toFloatArray(raw(DType.FLOAT32, List.of(2L, 3L), new byte[25])));
    assertFails(ErrorCode.BAD_SHAPE, () -> TensorCodec.toDoubleArray(raw(DType.FLOAT64, List.of(2L, 3L), new byte[24])));
    assertFails(ErrorCode.BAD_SHAPE, () -> TensorCodec.elementCount(raw(DType.UINT8, List.of(5L), new byte[0]), 100));
  }

  @Test
  void negativeDimensionsAreBadShape() {
    assertFails(ErrorCode.BAD_SHAPE, () -> TensorCodec.toFloatArray(raw(DType.FLOAT32, List.of(-1L, -4L), new byte[16])));
    assertFails(ErrorCode.BAD_SHAPE, () -> TensorCodec.elementCount(new long[] {3, -1}, 100));
    assertFails(ErrorCode.BAD_SHAPE, () -> TensorCodec.of(new float[3], new long[] {-3}, Layout.ANY));
  }

  @Test
  void tooManyElementsFailBeforeAnythingIsAllocated() {
    // claims 2^40 floats with 8 bytes of data: must be rejected by the bound, not by an OutOfMemoryError
    Tensor huge = raw(DType.FLOAT32, List.of(1L << 20, 1L << 20), new byte[8]);
    assertFails(ErrorCode.TOO_LARGE, () -> TensorCodec.toFloatArray(huge, 1_000_000));
    assertFails(ErrorCode.TOO_LARGE, () -> TensorCodec.toFloatArray(huge)); // beyond any Java array
    // exactly at the bound is fine, one over is not
    Tensor six = TensorCodec.of(new float[6], SHAPE, Layout.NC);
    assertEquals(6, TensorCodec.toFloatArray(six, 6).length);
    assertFails(ErrorCode.TOO_LARGE, () -> TensorCodec.toFloatArray(six, 5));
    assertFails(ErrorCode.TOO_LARGE, () -> TensorCodec.toUint8Array(six, 5));
  }

  @Test
  void overflowingShapesAreTooLarge() {
    Tensor overflow = raw(DType.FLOAT32, List.of(1L << 32, 1L << 32, 4L), new byte[16]);
    assertFails(ErrorCode.TOO_LARGE, () -> TensorCodec.elementCount(overflow, Long.MAX_VALUE));
    assertFails(ErrorCode.TOO_LARGE, () -> TensorCodec.toFloatArray(overflow));
    // a count below Long.MAX_VALUE whose byte size would overflow is still just a length mismatch
    Tensor countOk = raw(DType.FLOAT64, List.of(Long.MAX_VALUE / 4), new byte[16]);
    assertFails(ErrorCode.BAD_SHAPE, () -> TensorCodec.elementCount(countOk, Long.MAX_VALUE));
  }

  @Test
  void dataLengthMustMatchTheShapeWhenBuilding() {
    assertFails(ErrorCode.BAD_SHAPE, () -> TensorCodec.of(new float[5], SHAPE, Layout.NC));
    assertFails(ErrorCode.BAD_SHAPE, () -> TensorCodec.fromUint8(new byte[7], SHAPE, Layout.NC));
  }

  @Test
  void validateChecksTheLayoutAgainstTheRank() {
    assertEquals(6, TensorCodec.validate(TensorCodec.of(new float[6], SHAPE, Layout.NC), 10));
    assertEquals(6, TensorCodec.validate(TensorCodec.of(new float[6], SHAPE, Layout.ANY), 10));
    assertEquals(6, TensorCodec.validate(TensorCodec.of(new float[6], new long[] {1, 2, 3}, Layout.NTC), 10));
    assertEquals(12, TensorCodec.validate(SampleRecords.image(), 12));
    assertFails(ErrorCode.BAD_LAYOUT, () -> TensorCodec.validate(TensorCodec.of(new float[6], SHAPE, Layout.NCHW), 10));
    assertFails(ErrorCode.BAD_LAYOUT, () -> TensorCodec.validate(TensorCodec.of(new float[6], SHAPE, Layout.NCT), 10));
    assertFails(ErrorCode.TOO_LARGE, () -> TensorCodec.validate(SampleRecords.image(), 11));
  }

  @Test
  void requireFiniteNamesTheFirstBadElement() {
    TensorCodec.requireFinite(new float[] {0, 1, -1});
    TensorCodecException e = assertThrows(TensorCodecException.class,
        () -> TensorCodec.requireFinite(new float[] {0, Float.NaN, Float.POSITIVE_INFINITY}));
    assertEquals(ErrorCode.NON_FINITE, e.errorCode());
    assertEquals("element 1 is NaN", e.getMessage());
  }

  @Test
  void byteSizes() {
    assertEquals(4, TensorCodec.byteSize(DType.FLOAT32));
    assertEquals(8, TensorCodec.byteSize(DType.FLOAT64));
    assertEquals(4, TensorCodec.byteSize(DType.INT32));
    assertEquals(8, TensorCodec.byteSize(DType.INT64));
    assertEquals(1, TensorCodec.byteSize(DType.UINT8));
  }

  @Test
  void tensorsSurviveTheSerde() {
    Tensor t = TensorCodec.fromInts(new int[] {1, 2, 3, 4, 5, 6}, SHAPE, Layout.NC);
    InferenceEvent event = SampleRecords.inferenceEvent();
    event.setInput(t);
    InferenceEvent back = AvroSerde.inferenceEvent().decode(AvroSerde.inferenceEvent().encode(event));
    assertArrayEquals(new int[] {1, 2, 3, 4, 5, 6}, TensorCodec.toIntArray(back.getInput(), 6));
  }
}
