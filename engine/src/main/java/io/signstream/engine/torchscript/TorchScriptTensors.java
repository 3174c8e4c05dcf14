package io.signstream.engine.torchscript;

import io.signstream.engine.graph.Weights;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Turns the tensor records of {@code data.pkl} into {@link Weights}: reads the storage bytes, honours the storage
 * offset and strides (a tensor may be a view of a larger storage) and converts every float type to float32.
 * The same record yields the same {@link Weights} instance, so weights shared between modules stay shared.
 */
final class TorchScriptTensors {

    private final TorchScriptArchive archive;
    private final Map<PickleReader.TensorRecord, Weights> cache = new IdentityHashMap<>();

    TorchScriptTensors(TorchScriptArchive archive) {
        this.archive = archive;
    }

    /**
     * A one-element tensor of {@code constants.pkl} as a Java number: a Long for integer storages (shape arithmetic
     * such as {@code floor_divide(h, CONSTANTS.c0)}), a Double otherwise.
     *
     * @throws IllegalArgumentException when it has more than one element or does not fit its storage
     */
    Number constantScalar(PickleReader.TensorRecord r) {
        long count = 1;
        for (long d : r.size()) {
            count *= d;
        }
        if (count != 1) {
            throw new IllegalArgumentException("a tensor constant of shape " + java.util.Arrays.toString(r.size())
                    + " (only one-element constants are supported)");
        }
        String type = r.storage().storageType();
        byte[] bytes = archive.storage(TorchScriptArchive.CONSTANTS + r.storage().key());
        int item = itemSize(type);
        if (bytes == null || (r.offset() + 1) * item > bytes.length) {
            throw new IllegalArgumentException("storage constants/" + r.storage().key() + " is missing or short");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes)
                .order(archive.bigEndian() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        int at = (int) (r.offset() * item);
        return switch (type) {
            case "LongStorage" -> buf.getLong(at);
            case "IntStorage" -> (long) buf.getInt(at);
            case "ShortStorage" -> (long) buf.getShort(at);
            case "ByteStorage", "BoolStorage" -> (long) (buf.get(at) & 0xff);
            case "CharStorage" -> (long) buf.get(at);
            case "DoubleStorage" -> buf.getDouble(at);
            default -> (double) read(buf, type, at);
        };
    }

    /** @throws IllegalArgumentException with a short reason when the record does not fit its storage */
    Weights weights(PickleReader.TensorRecord r) {
        Weights cached = cache.get(r);
        if (cached != null) {
            return cached;
        }
        String type = r.storage().storageType();
        int item = itemSize(type);
        byte[] bytes = archive.storage(r.storage().key());
        if (bytes == null) {
            throw new IllegalArgumentException("storage data/" + r.storage().key() + " is missing");
        }
        long numel = r.storage().numel();
        if (numel < 0 || numel * item > bytes.length) {
            throw new IllegalArgumentException("storage data/" + r.storage().key() + " holds " + bytes.length
                    + " bytes, fewer than its " + numel + " elements of " + type);
        }
        long count = 1;
        long last = r.offset();
        for (int i = 0; i < r.size().length; i++) {
            if (r.size()[i] < 0 || r.stride()[i] < 0) {
                throw new IllegalArgumentException("negative size or stride in a tensor record");
            }
            count *= r.size()[i];
            last += (r.size()[i] - 1) * r.stride()[i];
        }
        if (count > Integer.MAX_VALUE || (count > 0 && (r.offset() < 0 || last >= numel))) {
            throw new IllegalArgumentException("tensor " + java.util.Arrays.toString(r.size())
                    + " does not fit storage data/" + r.storage().key());
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes)
                .order(archive.bigEndian() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[(int) count];
        int rank = r.size().length;
        long[] index = new long[rank];
        for (int n = 0; n < out.length; n++) {
            long element = r.offset();
            for (int d = 0; d < rank; d++) {
                element += index[d] * r.stride()[d];
            }
            out[n] = read(buf, type, (int) (element * item));
            for (int d = rank - 1; d >= 0; d--) { // C-order odometer over the view's indices
                if (++index[d] < r.size()[d]) {
                    break;
                }
                index[d] = 0;
            }
        }
        Weights w = new Weights(out, r.size().clone());
        cache.put(r, w);
        return w;
    }

    private static int itemSize(String type) {
        return switch (type) {
            case "FloatStorage", "IntStorage" -> 4;
            case "DoubleStorage", "LongStorage" -> 8;
            case "HalfStorage", "BFloat16Storage", "ShortStorage" -> 2;
            case "ByteStorage", "CharStorage", "BoolStorage" -> 1;
            default -> throw new IllegalArgumentException("unsupported tensor storage type " + type);
        };
    }

    private static float read(ByteBuffer buf, String type, int at) {
        return switch (type) {
            case "FloatStorage" -> buf.getFloat(at);
            case "DoubleStorage" -> (float) buf.getDouble(at);
            case "HalfStorage" -> halfToFloat(buf.getShort(at));
            case "BFloat16Storage" -> Float.intBitsToFloat((buf.getShort(at) & 0xffff) << 16);
            case "IntStorage" -> buf.getInt(at);
            case "LongStorage" -> buf.getLong(at);
            case "ShortStorage" -> buf.getShort(at);
            case "ByteStorage", "BoolStorage" -> buf.get(at) & 0xff;
            default -> buf.get(at); // CharStorage: int8
        };
    }

    /** IEEE 754 binary16 to float (Java 17 has no Float.float16ToFloat). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f; // subnormal
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }
}
