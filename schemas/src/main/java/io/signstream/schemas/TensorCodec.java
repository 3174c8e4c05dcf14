package io.signstream.schemas;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Converts Java arrays to and from {@link Tensor} records (little-endian, C order).
 *
 * <p>Every read checks, before it allocates anything, that no dimension is negative, that the
 * element count neither overflows nor exceeds the caller's bound, and that the byte length is
 * exactly {@code product(shape) * byteSize(dtype)}; a violation is a {@link TensorCodecException}
 * whose {@link TensorCodecException#errorCode() error code} goes straight into a dead letter.
 *
 * <pre>{@code
 * Tensor t = TensorCodec.of(new float[] {1, 2, 3, 4, 5, 6}, new long[] {1, 2, 3}, Layout.NCT);
 * float[] back = TensorCodec.toFloatArray(t, 1_000_000);   // any dtype, converted to float32
 * long n = TensorCodec.validate(t, 1_000_000);              // checks only, allocates nothing
 * }</pre>
 */
public final class TensorCodec {

  /** The largest element count a Java array can hold; the bound used when the caller gives none. */
  public static final long MAX_ARRAY_ELEMENTS = Integer.MAX_VALUE - 8;

  private TensorCodec() {}

  // ---------------------------------------------------------------- building

  /** A FLOAT32 tensor; same as {@link #fromFloats}. */
  public static Tensor of(float[] data, long[] shape, Layout layout) {
    return fromFloats(data, shape, layout);
  }

  /** A FLOAT32 tensor holding {@code data}, whose length must be {@code product(shape)}. */
  public static Tensor fromFloats(float[] data, long[] shape, Layout layout) {
    ByteBuffer bytes = allocate(DType.FLOAT32, data.length, shape);
    bytes.asFloatBuffer().put(data);
    return build(DType.FLOAT32, shape, layout, bytes);
  }

  /** A FLOAT64 tensor holding {@code data}, whose length must be {@code product(shape)}. */
  public static Tensor fromDoubles(double[] data, long[] shape, Layout layout) {
    ByteBuffer bytes = allocate(DType.FLOAT64, data.length, shape);
    bytes.asDoubleBuffer().put(data);
    return build(DType.FLOAT64, shape, layout, bytes);
  }

  /** An INT32 tensor holding {@code data}, whose length must be {@code product(shape)}. */
  public static Tensor fromInts(int[] data, long[] shape, Layout layout) {
    ByteBuffer bytes = allocate(DType.INT32, data.length, shape);
    bytes.asIntBuffer().put(data);
    return build(DType.INT32, shape, layout, bytes);
  }

  /** An INT64 tensor holding {@code data}, whose length must be {@code product(shape)}. */
  public static Tensor fromLongs(long[] data, long[] shape, Layout layout) {
    ByteBuffer bytes = allocate(DType.INT64, data.length, shape);
    bytes.asLongBuffer().put(data);
    return build(DType.INT64, shape, layout, bytes);
  }

  /** A UINT8 tensor holding {@code data} (each byte read as 0..255), whose length must be {@code product(shape)}. */
  public static Tensor fromUint8(byte[] data, long[] shape, Layout layout) {
    ByteBuffer bytes = allocate(DType.UINT8, data.length, shape);
    bytes.put(data).flip();
    return build(DType.UINT8, shape, layout, bytes);
  }

  private static ByteBuffer allocate(DType dtype, int length, long[] shape) {
    long count = elementCount(Objects.requireNonNull(shape, "shape"), MAX_ARRAY_ELEMENTS);
    if (count != length) {
      throw new TensorCodecException(ErrorCode.BAD_SHAPE,
          "shape " + Arrays.toString(shape) + " holds " + count + " elements but the data has " + length);
    }
    long size = count * byteSize(dtype);
    if (size > Integer.MAX_VALUE) {
      throw new TensorCodecException(ErrorCode.TOO_LARGE,
          "a " + dtype + " tensor of " + count + " elements needs " + size + " bytes, more than a byte buffer holds");
    }
    return ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static Tensor build(DType dtype, long[] shape, Layout layout, ByteBuffer bytes) {
    List<Long> dims = new ArrayList<>(shape.length);
    for (long d : shape) {
      dims.add(d);
    }
    return Tensor.newBuilder()
        .setDtype(dtype)
        .setShape(dims)
        .setLayout(layout == null ? Layout.ANY : layout)
        .setData(bytes)
        .build();
  }

  // ---------------------------------------------------------------- checking

  /** Bytes per element of a dtype: 4, 8, 4, 8 or 1. */
  public static int byteSize(DType dtype) {
    switch (Objects.requireNonNull(dtype, "dtype")) {
      case FLOAT32:
      case INT32:
        return 4;
      case FLOAT64:
      case INT64:
        return 8;
      case UINT8:
        return 1;
      default:
        throw new TensorCodecException(ErrorCode.BAD_DTYPE, "unsupported dtype " + dtype);
    }
  }

  /** The tensor's shape as a {@code long[]}. */
  public static long[] shape(Tensor tensor) {
    List<Long> dims = tensor.getShape();
    if (dims == null) {
      throw new TensorCodecException(ErrorCode.BAD_SHAPE, "tensor has no shape");
    }
    long[] shape = new long[dims.size()];
    for (int i = 0; i < shape.length; i++) {
      Long d = dims.get(i);
      if (d == null) {
        throw new TensorCodecException(ErrorCode.BAD_SHAPE, "dimension " + i + " is null");
      }
      shape[i] = d;
    }
    return shape;
  }

  /**
   * The number of elements of a shape (1 for the empty shape of a scalar).
   *
   * @throws TensorCodecException BAD_SHAPE for a negative dimension, TOO_LARGE if the count
   *     overflows or exceeds {@code maxElements}
   */
  public static long elementCount(long[] shape, long maxElements) {
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] < 0) {
        throw new TensorCodecException(ErrorCode.BAD_SHAPE,
            "dimension " + i + " of shape " + Arrays.toString(shape) + " is negative");
      }
    }
    long count = 1;
    for (long d : shape) {
      try {
        count = Math.multiplyExact(count, d);
      } catch (ArithmeticException overflow) {
        throw new TensorCodecException(ErrorCode.TOO_LARGE,
            "shape " + Arrays.toString(shape) + " has more than " + Long.MAX_VALUE + " elements");
      }
    }
    if (count > maxElements) {
      throw new TensorCodecException(ErrorCode.TOO_LARGE,
          "shape " + Arrays.toString(shape) + " has " + count + " elements, more than the limit of " + maxElements);
    }
    return count;
  }

  /**
   * Checks a tensor's dtype, shape, element bound and byte length without allocating; returns its element count.
   *
   * @throws TensorCodecException BAD_DTYPE, BAD_SHAPE (negative dimension, or byte length not
   *     {@code product(shape) * byteSize(dtype)}) or TOO_LARGE (more than {@code maxElements})
   */
  public static long elementCount(Tensor tensor, long maxElements) {
    Objects.requireNonNull(tensor, "tensor");
    if (tensor.getDtype() == null) {
      throw new TensorCodecException(ErrorCode.BAD_DTYPE, "tensor has no dtype");
    }
    int size = byteSize(tensor.getDtype());
    long[] shape = shape(tensor);
    long count = elementCount(shape, maxElements);
    ByteBuffer data = tensor.getData();
    long actual = data == null ? 0 : data.remaining();
    // count <= Long.MAX_VALUE / 8 is not guaranteed: compare without overflowing
    if (count > actual / size || actual != count * size) {
      throw new TensorCodecException(ErrorCode.BAD_SHAPE,
          "a " + tensor.getDtype() + " tensor of shape " + Arrays.toString(shape) + " needs " + count
              + " x " + size + " bytes but has " + actual);
    }
    return count;
  }

  /**
   * Everything {@link #elementCount(Tensor, long)} checks, plus that the layout fits the rank
   * (NCHW/NHWC: 4 dimensions, NCT/NTC: 3, NC: 2, ANY: any); returns the element count.
   *
   * @throws TensorCodecException with BAD_LAYOUT when the rank does not fit the layout
   */
  public static long validate(Tensor tensor, long maxElements) {
    long count = elementCount(tensor, maxElements);
    Layout layout = tensor.getLayout() == null ? Layout.ANY : tensor.getLayout();
    int rank = tensor.getShape().size();
    int expected = expectedRank(layout);
    if (expected >= 0 && rank != expected) {
      throw new TensorCodecException(ErrorCode.BAD_LAYOUT,
          "layout " + layout + " needs " + expected + " dimensions but the shape " + tensor.getShape() + " has " + rank);
    }
    return count;
  }

  /** The rank a layout implies, or -1 for ANY. */
  public static int expectedRank(Layout layout) {
    switch (layout) {
      case NCHW:
      case NHWC:
        return 4;
      case NCT:
      case NTC:
        return 3;
      case NC:
        return 2;
      default:
        return -1;
    }
  }

  /**
   * Checks that every value is finite.
   *
   * @throws TensorCodecException NON_FINITE naming the first NaN or infinite element
   */
  public static void requireFinite(float[] values) {
    for (int i = 0; i < values.length; i++) {
      if (!Float.isFinite(values[i])) {
        throw new TensorCodecException(ErrorCode.NON_FINITE, "element " + i + " is " + values[i]);
      }
    }
  }

  // ---------------------------------------------------------------- reading

  /** {@link #toFloatArray(Tensor, long)} bounded only by the size of a Java array. */
  public static float[] toFloatArray(Tensor tensor) {
    return toFloatArray(tensor, MAX_ARRAY_ELEMENTS);
  }

  /**
   * The elements as float32, converting any dtype (FLOAT64 and INT64 round to nearest, UINT8 reads 0..255).
   *
   * @param maxElements largest element count accepted, checked before allocating
   */
  public static float[] toFloatArray(Tensor tensor, long maxElements) {
    int n = checkedCount(tensor, maxElements);
    ByteBuffer in = littleEndian(tensor);
    float[] out = new float[n];
    switch (tensor.getDtype()) {
      case FLOAT32:
        in.asFloatBuffer().get(out);
        break;
      case FLOAT64:
        for (int i = 0; i < n; i++) {
          out[i] = (float) in.getDouble(i * 8);
        }
        break;
      case INT32:
        for (int i = 0; i < n; i++) {
          out[i] = in.getInt(i * 4);
        }
        break;
      case INT64:
        for (int i = 0; i < n; i++) {
          out[i] = in.getLong(i * 8);
        }
        break;
      case UINT8:
        for (int i = 0; i < n; i++) {
          out[i] = in.get(i) & 0xFF;
        }
        break;
      default:
        throw unsupported(tensor.getDtype());
    }
    return out;
  }

  /** {@link #toDoubleArray(Tensor, long)} bounded only by the size of a Java array. */
  public static double[] toDoubleArray(Tensor tensor) {
    return toDoubleArray(tensor, MAX_ARRAY_ELEMENTS);
  }

  /** The elements as float64, converting any dtype (INT64 rounds to nearest, UINT8 reads 0..255). */
  public static double[] toDoubleArray(Tensor tensor, long maxElements) {
    int n = checkedCount(tensor, maxElements);
    ByteBuffer in = littleEndian(tensor);
    double[] out = new double[n];
    switch (tensor.getDtype()) {
      case FLOAT32:
        for (int i = 0; i < n; i++) {
          out[i] = in.getFloat(i * 4);
        }
        break;
      case FLOAT64:
        in.asDoubleBuffer().get(out);
        break;
      case INT32:
        for (int i = 0; i < n; i++) {
          out[i] = in.getInt(i * 4);
        }
        break;
      case INT64:
        for (int i = 0; i < n; i++) {
          out[i] = in.getLong(i * 8);
        }
        break;
      case UINT8:
        for (int i = 0; i < n; i++) {
          out[i] = in.get(i) & 0xFF;
        }
        break;
      default:
        throw unsupported(tensor.getDtype());
    }
    return out;
  }

  /** {@link #toIntArray(Tensor, long)} bounded only by the size of a Java array. */
  public static int[] toIntArray(Tensor tensor) {
    return toIntArray(tensor, MAX_ARRAY_ELEMENTS);
  }

  /**
   * The elements of an INT32 or UINT8 tensor as {@code int}s.
   *
   * @throws TensorCodecException BAD_DTYPE for any other dtype
   */
  public static int[] toIntArray(Tensor tensor, long maxElements) {
    int n = checkedCount(tensor, maxElements);
    ByteBuffer in = littleEndian(tensor);
    int[] out = new int[n];
    switch (tensor.getDtype()) {
      case INT32:
        in.asIntBuffer().get(out);
        break;
      case UINT8:
        for (int i = 0; i < n; i++) {
          out[i] = in.get(i) & 0xFF;
        }
        break;
      default:
        throw new TensorCodecException(ErrorCode.BAD_DTYPE,
            "cannot read a " + tensor.getDtype() + " tensor as int32 without losing values");
    }
    return out;
  }

  /** {@link #toLongArray(Tensor, long)} bounded only by the size of a Java array. */
  public static long[] toLongArray(Tensor tensor) {
    return toLongArray(tensor, MAX_ARRAY_ELEMENTS);
  }

  /**
   * The elements of an INT64, INT32 or UINT8 tensor as {@code long}s.
   *
   * @throws TensorCodecException BAD_DTYPE for a floating-point tensor
   */
  public static long[] toLongArray(Tensor tensor, long maxElements) {
    int n = checkedCount(tensor, maxElements);
    ByteBuffer in = littleEndian(tensor);
    long[] out = new long[n];
    switch (tensor.getDtype()) {
      case INT64:
        in.asLongBuffer().get(out);
        break;
      case INT32:
        for (int i = 0; i < n; i++) {
          out[i] = in.getInt(i * 4);
        }
        break;
      case UINT8:
        for (int i = 0; i < n; i++) {
          out[i] = in.get(i) & 0xFF;
        }
        break;
      default:
        throw new TensorCodecException(ErrorCode.BAD_DTYPE,
            "cannot read a " + tensor.getDtype() + " tensor as int64 without losing values");
    }
    return out;
  }

  /** {@link #toUint8Array(Tensor, long)} bounded only by the size of a Java array. */
  public static byte[] toUint8Array(Tensor tensor) {
    return toUint8Array(tensor, MAX_ARRAY_ELEMENTS);
  }

  /**
   * The raw bytes of a UINT8 tensor (read each with {@code b & 0xFF}).
   *
   * @throws TensorCodecException BAD_DTYPE for any other dtype
   */
  public static byte[] toUint8Array(Tensor tensor, long maxElements) {
    int n = checkedCount(tensor, maxElements);
    if (tensor.getDtype() != DType.UINT8) {
      throw new TensorCodecException(ErrorCode.BAD_DTYPE,
          "cannot read a " + tensor.getDtype() + " tensor as uint8 without losing values");
    }
    byte[] out = new byte[n];
    littleEndian(tensor).get(out);
    return out;
  }

  private static int checkedCount(Tensor tensor, long maxElements) {
    return (int) elementCount(tensor, Math.min(maxElements, MAX_ARRAY_ELEMENTS));
  }

  /** A view of the data from index 0, little-endian, leaving the record's buffer untouched. */
  private static ByteBuffer littleEndian(Tensor tensor) {
    return tensor.getData().slice().order(ByteOrder.LITTLE_ENDIAN);
  }

  private static TensorCodecException unsupported(DType dtype) {
    return new TensorCodecException(ErrorCode.BAD_DTYPE, "unsupported dtype " + dtype);
  }
}
