package io.signstream.engine.savedmodel;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads every entry of a TensorFlow table file (the LevelDB "SSTable" format of {@code tensorflow/core/lib/io/table}),
 * which is what a checkpoint's {@code variables.index} is.
 *
 * <p>Layout: data blocks, a meta-index block, an index block and a 48-byte footer (two block handles as varints,
 * zero padding, the magic number). Each block is followed by a 5-byte trailer: compression type and CRC. A block
 * holds prefix-compressed entries (shared key length, new key length, value length, new key bytes, value) and a
 * restart array at its end. Blocks are uncompressed or Snappy-compressed (older TensorFlow versions), see
 * {@link Snappy}.
 */
final class SsTable {

    private static final long MAGIC = 0xdb4775248b80fb57L;
    private static final int FOOTER_LENGTH = 48;
    private static final int TRAILER_LENGTH = 5;
    private static final int NONE = 0;
    private static final int SNAPPY = 1;

    private final byte[] bytes;
    private final String fileName;

    private SsTable(byte[] bytes, String fileName) {
        this.bytes = bytes;
        this.fileName = fileName;
    }

    /**
     * All entries in key order.
     *
     * @param fileName for messages
     */
    static Map<String, byte[]> read(byte[] bytes, String fileName) throws ExplainException {
        try {
            return new SsTable(bytes, fileName).entries();
        } catch (IndexOutOfBoundsException | NegativeArraySizeException e) {
            throw corrupt(fileName, "a block or entry runs past the end of the file");
        }
    }

    private Map<String, byte[]> entries() throws ExplainException {
        if (bytes.length < FOOTER_LENGTH) {
            throw corrupt(fileName, "only " + bytes.length + " bytes, shorter than a table footer");
        }
        int footer = bytes.length - FOOTER_LENGTH;
        if (readFixed64(footer + FOOTER_LENGTH - 8) != MAGIC) {
            throw corrupt(fileName, "no table magic number at its end");
        }
        Cursor c = new Cursor(footer);
        c.varint(); // meta-index offset: the meta-index (filters) is not needed to read the entries
        c.varint(); // meta-index size
        long indexOffset = c.varint();
        long indexSize = c.varint();
        Map<String, byte[]> result = new LinkedHashMap<>();
        for (byte[] handle : block(indexOffset, indexSize).values()) {
            Cursor h = new Cursor(handle, 0);
            result.putAll(block(h.varint(), h.varint()));
        }
        return result;
    }

    /** The entries of one block, keys decoded as UTF-8 (checkpoint keys are tensor names). */
    private Map<String, byte[]> block(long offset, long size) throws ExplainException {
        if (offset < 0 || size < 0 || offset + size + TRAILER_LENGTH > bytes.length) {
            throw corrupt(fileName, "a block handle points outside the file");
        }
        int start = (int) offset;
        int end = (int) (offset + size);
        byte[] block = Arrays.copyOfRange(bytes, start, end);
        int compression = bytes[end];
        if (compression == SNAPPY) {
            try {
                block = Snappy.decompress(block);
            } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
                throw corrupt(fileName, "a Snappy block does not decompress: " + e.getMessage());
            }
        } else if (compression != NONE) {
            throw corrupt(fileName, "unknown block compression type " + compression);
        }
        return entries(block);
    }

    private Map<String, byte[]> entries(byte[] block) throws ExplainException {
        if (block.length < 4) {
            throw corrupt(fileName, "a block is shorter than its restart count");
        }
        int restarts = (int) fixed32(block, block.length - 4);
        int entriesEnd = block.length - 4 - 4 * restarts;
        if (restarts < 0 || entriesEnd < 0) {
            throw corrupt(fileName, "a block's restart array is inconsistent");
        }
        Map<String, byte[]> entries = new LinkedHashMap<>();
        Cursor c = new Cursor(block, 0);
        byte[] key = new byte[0];
        while (c.pos < entriesEnd) {
            int shared = (int) c.varint();
            int unshared = (int) c.varint();
            int valueLength = (int) c.varint();
            if (shared > key.length) {
                throw corrupt(fileName, "an entry shares more key bytes than the previous key has");
            }
            byte[] next = Arrays.copyOf(key, shared + unshared);
            System.arraycopy(block, c.pos, next, shared, unshared);
            c.pos += unshared;
            key = next;
            entries.put(new String(key, StandardCharsets.UTF_8), Arrays.copyOfRange(block, c.pos, c.pos + valueLength));
            c.pos += valueLength;
        }
        return entries;
    }

    private static long fixed32(byte[] b, int at) {
        return (b[at] & 0xffL) | (b[at + 1] & 0xffL) << 8 | (b[at + 2] & 0xffL) << 16 | (b[at + 3] & 0xffL) << 24;
    }

    private long readFixed64(int at) {
        return fixed32(bytes, at) | fixed32(bytes, at + 4) << 32;
    }

    private static ExplainException corrupt(String fileName, String why) {
        return new ExplainException(Kind.CORRUPT_MODEL, fileName + " is not a valid checkpoint index: " + why);
    }

    /** A read position in a byte array that decodes base-128 varints. */
    private final class Cursor {
        private final byte[] data;
        private int pos;

        Cursor(int pos) {
            this(bytes, pos);
        }

        Cursor(byte[] data, int pos) {
            this.data = data;
            this.pos = pos;
        }

        long varint() {
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                byte b = data[pos++];
                value |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    return value;
                }
            }
            throw new IndexOutOfBoundsException("varint longer than 10 bytes");
        }
    }
}
