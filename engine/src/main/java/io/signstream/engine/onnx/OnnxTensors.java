package io.signstream.engine.onnx;

import com.google.protobuf.ByteString;
import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import io.signstream.engine.onnx.proto.OnnxProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Decodes ONNX {@code TensorProto}s (initializers, Constant node values) into {@link OnnxConstant}s.
 *
 * <p>Values are stored either in {@code raw_data} (always little-endian, whatever the machine) or in the typed
 * repeated field of the element type; exporters use both, PyTorch prefers raw_data. Floating-point types become
 * float32 (the engine computes in float32); integer types become int64 (they are shapes, axes and pads).
 */
final class OnnxTensors {

    /** ONNX TensorProto.DataType codes that the importer reads. */
    static final int FLOAT = 1;
    static final int UINT8 = 2;
    static final int INT8 = 3;
    static final int INT16 = 5;
    static final int INT32 = 6;
    static final int INT64 = 7;
    static final int BOOL = 9;
    static final int DOUBLE = 11;

    /** Refuse absurd declared sizes before allocating (a corrupt dims field must not exhaust the heap). */
    private static final long MAX_ELEMENTS = 1L << 28;

    private OnnxTensors() {
    }

    static OnnxConstant decode(OnnxProto.Tensor t, String what) throws ExplainException {
        if (t.getDataLocation() == 1) {
            throw new ExplainException(Kind.UNSUPPORTED_MODEL, what + " '" + t.getName()
                    + "' keeps its values in an external data file; save the model with the weights inside");
        }
        long[] shape = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
        long n = 1;
        for (long d : shape) {
            if (d < 0 || (d > 0 && n > MAX_ELEMENTS / d)) {
                throw corrupt(t, what, "has an invalid shape " + Arrays.toString(shape));
            }
            n *= d;
        }
        int count = (int) n;
        ByteString raw = t.getRawData();
        boolean useRaw = t.hasRawData();
        switch (t.getDataType()) {
            case FLOAT: {
                float[] v = new float[count];
                if (useRaw) {
                    ByteBuffer b = raw(raw, count, 4, t, what);
                    for (int i = 0; i < count; i++) {
                        v[i] = b.getFloat(i * 4);
                    }
                } else {
                    checkCount(t.getFloatDataCount(), count, t, what);
                    for (int i = 0; i < count; i++) {
                        v[i] = t.getFloatData(i);
                    }
                }
                return OnnxConstant.ofFloats(shape, v);
            }
            case DOUBLE: {
                float[] v = new float[count];
                if (useRaw) {
                    ByteBuffer b = raw(raw, count, 8, t, what);
                    for (int i = 0; i < count; i++) {
                        v[i] = (float) b.getDouble(i * 8);
                    }
                } else {
                    checkCount(t.getDoubleDataCount(), count, t, what);
                    for (int i = 0; i < count; i++) {
                        v[i] = (float) t.getDoubleData(i);
                    }
                }
                return OnnxConstant.ofFloats(shape, v);
            }
            case INT64: {
                long[] v = new long[count];
                if (useRaw) {
                    ByteBuffer b = raw(raw, count, 8, t, what);
                    for (int i = 0; i < count; i++) {
                        v[i] = b.getLong(i * 8);
                    }
                } else {
                    checkCount(t.getInt64DataCount(), count, t, what);
                    for (int i = 0; i < count; i++) {
                        v[i] = t.getInt64Data(i);
                    }
                }
                return OnnxConstant.ofLongs(shape, v);
            }
            case INT32, INT16, INT8, UINT8, BOOL: {
                // The narrow integer types live in int32_data when not raw (the ONNX spec's storage rule).
                int width = t.getDataType() == INT32 ? 4 : t.getDataType() == INT16 ? 2 : 1;
                long[] v = new long[count];
                if (useRaw) {
                    ByteBuffer b = raw(raw, count, width, t, what);
                    for (int i = 0; i < count; i++) {
                        v[i] = switch (t.getDataType()) {
                            case INT32 -> b.getInt(i * 4);
                            case INT16 -> b.getShort(i * 2);
                            case INT8 -> b.get(i);
                            default -> Byte.toUnsignedInt(b.get(i));
                        };
                    }
                } else {
                    checkCount(t.getInt32DataCount(), count, t, what);
                    for (int i = 0; i < count; i++) {
                        v[i] = t.getInt32Data(i);
                    }
                }
                return OnnxConstant.ofLongs(shape, v);
            }
            default:
                throw new ExplainException(Kind.UNSUPPORTED_MODEL, what + " '" + t.getName() + "' has element type "
                        + typeName(t.getDataType()) + "; supported: float, double and integer types");
        }
    }

    private static ByteBuffer raw(ByteString raw, int count, int width, OnnxProto.Tensor t, String what)
            throws ExplainException {
        if (raw.size() != (long) count * width) {
            throw corrupt(t, what, "holds " + raw.size() + " bytes of data, its shape needs " + (long) count * width);
        }
        // slice(): a ByteString view may start at a non-zero position, and the reads below are absolute.
        return raw.asReadOnlyByteBuffer().slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    private static void checkCount(int actual, int expected, OnnxProto.Tensor t, String what)
            throws ExplainException {
        if (actual != expected) {
            throw corrupt(t, what, "holds " + actual + " values, its shape needs " + expected);
        }
    }

    private static ExplainException corrupt(OnnxProto.Tensor t, String what, String detail) {
        return new ExplainException(Kind.CORRUPT_MODEL, what + " '" + t.getName() + "' " + detail);
    }

    /** Names of the ONNX element types, for messages. */
    static String typeName(int dataType) {
        return switch (dataType) {
            case FLOAT -> "float";
            case UINT8 -> "uint8";
            case INT8 -> "int8";
            case 4 -> "uint16";
            case INT16 -> "int16";
            case INT32 -> "int32";
            case INT64 -> "int64";
            case 8 -> "string";
            case BOOL -> "bool";
            case 10 -> "float16";
            case DOUBLE -> "double";
            case 12 -> "uint32";
            case 13 -> "uint64";
            case 16 -> "bfloat16";
            default -> "type " + dataType;
        };
    }
}
