package io.signstream.engine.savedmodel;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.tensorflow.proto.framework.DataType;
import org.tensorflow.proto.framework.TensorProto;
import org.tensorflow.proto.framework.TensorShapeProto;

/**
 * Decodes TensorFlow tensors (a {@code Const} node's {@link TensorProto}, or raw checkpoint bytes) into
 * {@link TfConstant}s. Numeric types only: strings and resources never carry weights.
 */
final class TfTensors {

    private TfTensors() {
    }

    /**
     * @param what names the tensor in messages, e.g. {@code "Const node 'conv/kernel'"}
     */
    static TfConstant decode(TensorProto t, String what) throws ExplainException {
        long[] shape = shape(t.getTensorShape(), what);
        long count = TfConstant.count(shape);
        if (count > Integer.MAX_VALUE) {
            throw new ExplainException(Kind.UNSUPPORTED_MODEL, what + " has " + count + " values, too many");
        }
        int n = (int) count;
        if (!t.getTensorContent().isEmpty()) {
            return new TfConstant(raw(t.getTensorContent().toByteArray(), t.getDtype(), n, what), shape);
        }
        double[] data = new double[n];
        switch (t.getDtype()) {
            case DT_FLOAT:
                fill(data, t.getFloatValList(), what);
                break;
            case DT_DOUBLE:
                fill(data, t.getDoubleValList(), what);
                break;
            case DT_INT32:
            case DT_INT16:
            case DT_INT8:
            case DT_UINT8:
                fill(data, t.getIntValList(), what);
                break;
            case DT_INT64:
                fill(data, t.getInt64ValList(), what);
                break;
            case DT_BOOL:
                fill(data, t.getBoolValList().stream().map(b -> b ? 1 : 0).toList(), what);
                break;
            default:
                throw unsupportedType(t.getDtype(), what);
        }
        return new TfConstant(data, shape);
    }

    /** Little-endian raw values, as in {@code tensor_content} and checkpoint data files. */
    static double[] raw(byte[] bytes, DataType type, int count, String what) throws ExplainException {
        int width = width(type, what);
        if ((long) count * width != bytes.length) {
            throw new ExplainException(Kind.CORRUPT_MODEL, what + " holds " + bytes.length + " bytes but its "
                    + count + " values of " + type + " need " + (long) count * width);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        double[] data = new double[count];
        for (int i = 0; i < count; i++) {
            switch (type) {
                case DT_FLOAT -> data[i] = b.getFloat();
                case DT_DOUBLE -> data[i] = b.getDouble();
                case DT_INT32 -> data[i] = b.getInt();
                case DT_INT64 -> data[i] = b.getLong();
                case DT_INT16 -> data[i] = b.getShort();
                case DT_INT8 -> data[i] = b.get();
                case DT_UINT8 -> data[i] = b.get() & 0xff;
                case DT_BOOL -> data[i] = b.get() != 0 ? 1 : 0;
                default -> throw unsupportedType(type, what);
            }
        }
        return data;
    }

    /** A fully known shape; TensorFlow shapes of constants always are. */
    static long[] shape(TensorShapeProto s, String what) throws ExplainException {
        if (s.getUnknownRank()) {
            throw new ExplainException(Kind.CORRUPT_MODEL, what + " has no known shape");
        }
        long[] shape = new long[s.getDimCount()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = s.getDim(i).getSize();
            if (shape[i] < 0) {
                throw new ExplainException(Kind.CORRUPT_MODEL, what + " has an unknown dimension");
            }
        }
        return shape;
    }

    private static int width(DataType type, String what) throws ExplainException {
        return switch (type) {
            case DT_FLOAT, DT_INT32 -> 4;
            case DT_DOUBLE, DT_INT64 -> 8;
            case DT_INT16 -> 2;
            case DT_INT8, DT_UINT8, DT_BOOL -> 1;
            default -> throw unsupportedType(type, what);
        };
    }

    /** TensorFlow repeats the last listed value to fill the shape (a single value fills the whole tensor). */
    private static void fill(double[] data, List<? extends Number> values, String what) throws ExplainException {
        if (data.length == 0) {
            return;
        }
        if (values.isEmpty()) {
            return; // an empty list means zeros
        }
        if (values.size() > data.length) {
            throw new ExplainException(Kind.CORRUPT_MODEL, what + " lists " + values.size() + " values for "
                    + data.length + " elements");
        }
        for (int i = 0; i < data.length; i++) {
            data[i] = values.get(Math.min(i, values.size() - 1)).doubleValue();
        }
    }

    private static ExplainException unsupportedType(DataType type, String what) {
        return new ExplainException(Kind.UNSUPPORTED_MODEL, what + " has type " + type
                + "; only numeric tensors (float, double, integer, bool) can be imported");
    }
}
