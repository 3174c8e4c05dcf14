package io.signstream.engine.savedmodel;

/**
 * Decompresses one raw Snappy block (the format TensorFlow's table writer used for checkpoint indexes before it
 * switched to uncompressed blocks; e.g. TensorFlow Serving's TF1 test models still carry such indexes).
 *
 * <p>Why a decoder here: the format is a length varint followed by literal and back-reference elements, thirty
 * lines to decode, while the libraries that implement it either bundle native code or reach this module only as
 * another library's transitive dependency.
 */
final class Snappy {

    private Snappy() {
    }

    /**
     * @throws IllegalArgumentException when the bytes are not a valid Snappy block
     */
    static byte[] decompress(byte[] in) {
        int[] pos = {0};
        long length = varint(in, pos);
        if (length > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("Snappy block claims " + length + " bytes");
        }
        byte[] out = new byte[(int) length];
        int o = 0;
        int p = pos[0];
        while (p < in.length) {
            int tag = in[p++] & 0xff;
            int kind = tag & 3;
            if (kind == 0) {
                int len = tag >>> 2;
                if (len >= 60) {
                    int extra = len - 59;
                    len = 0;
                    for (int i = 0; i < extra; i++) {
                        len |= (in[p++] & 0xff) << (8 * i);
                    }
                }
                len += 1;
                if (len < 1 || p + len > in.length || o + len > out.length) {
                    throw new IllegalArgumentException("Snappy literal runs past the block");
                }
                System.arraycopy(in, p, out, o, len);
                p += len;
                o += len;
                continue;
            }
            int len;
            int offset;
            if (kind == 1) {
                len = ((tag >>> 2) & 7) + 4;
                offset = ((tag >>> 5) << 8) | (in[p++] & 0xff);
            } else if (kind == 2) {
                len = (tag >>> 2) + 1;
                offset = (in[p] & 0xff) | (in[p + 1] & 0xff) << 8;
                p += 2;
            } else {
                len = (tag >>> 2) + 1;
                offset = (in[p] & 0xff) | (in[p + 1] & 0xff) << 8 | (in[p + 2] & 0xff) << 16 | (in[p + 3] & 0xff) << 24;
                p += 4;
            }
            if (offset <= 0 || offset > o || o + len > out.length) {
                throw new IllegalArgumentException("Snappy back-reference outside the output");
            }
            // Byte by byte: a copy may overlap its own output (offset < len repeats a pattern).
            for (int i = 0; i < len; i++, o++) {
                out[o] = out[o - offset];
            }
        }
        if (o != out.length) {
            throw new IllegalArgumentException("Snappy block decodes to " + o + " bytes, not " + out.length);
        }
        return out;
    }

    private static long varint(byte[] in, int[] pos) {
        long value = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            byte b = in[pos[0]++];
            value |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new IllegalArgumentException("Snappy length varint too long");
    }
}
