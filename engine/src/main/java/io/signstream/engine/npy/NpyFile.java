package io.signstream.engine.npy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes NumPy {@code .npy} files (format versions 1–3). Reading accepts little- and big-endian
 * float32, float64, int32, int64, uint8 and bool in C order and converts to float32; writing produces
 * little-endian float32 version 1.0 files.
 */
public final class NpyFile {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");
    /** Refuse files whose declared contents exceed this many elements before allocating anything. */
    public static final long MAX_ELEMENTS = 1L << 28;

    private NpyFile() {
    }

    public static NpyArray read(Path path) throws NpyFormatException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new NpyFormatException("input file not found: " + path);
        } catch (IOException e) {
            throw new NpyFormatException("cannot read " + path + ": " + e.getMessage());
        }
        return parse(bytes, path.toString());
    }

    public static NpyArray parse(byte[] bytes, String what) throws NpyFormatException {
        if (bytes.length < 10) {
            throw new NpyFormatException(what + " is not a .npy file (too short)");
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (bytes[i] != MAGIC[i]) {
                throw new NpyFormatException(what + " is not a .npy file (bad magic bytes)");
            }
        }
        int major = bytes[6];
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int headerLen;
        int offset;
        if (major == 1) {
            headerLen = Short.toUnsignedInt(buf.getShort(8));
            offset = 10;
        } else if (major == 2 || major == 3) {
            headerLen = buf.getInt(8);
            offset = 12;
        } else {
            throw new NpyFormatException(what + ": unsupported .npy version " + major);
        }
        if (headerLen < 0 || offset + headerLen > bytes.length) {
            throw new NpyFormatException(what + ": truncated .npy header");
        }
        String header = new String(bytes, offset, headerLen, StandardCharsets.ISO_8859_1);
        String descr = group(DESCR, header, what, "descr");
        if ("True".equals(group(FORTRAN, header, what, "fortran_order"))) {
            throw new NpyFormatException(what + ": Fortran-order arrays are not supported; save with C order");
        }
        long[] shape = parseShape(group(SHAPE, header, what, "shape"), what);
        long count = 1;
        for (long d : shape) {
            if (d < 0 || (d > 0 && count > MAX_ELEMENTS / d)) {
                throw new NpyFormatException(what + ": array too large (limit " + MAX_ELEMENTS + " elements)");
            }
            count *= d;
        }
        ByteOrder order = descr.startsWith(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        String type = descr.replaceAll("^[<>|=]", "");
        int itemSize = switch (type) {
            case "f4", "i4" -> 4;
            case "f8", "i8" -> 8;
            case "u1", "b1" -> 1;
            default -> throw new NpyFormatException(what + ": unsupported dtype '" + descr
                    + "' (use float32, float64, int32, int64, uint8 or bool)");
        };
        int dataStart = offset + headerLen;
        if ((long) bytes.length - dataStart < count * itemSize) {
            throw new NpyFormatException(what + ": data truncated: expected " + count * itemSize + " bytes, found "
                    + (bytes.length - dataStart));
        }
        ByteBuffer data = ByteBuffer.wrap(bytes, dataStart, bytes.length - dataStart).slice().order(order);
        float[] out = new float[(int) count];
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (type) {
                case "f4" -> data.getFloat(i * 4);
                case "f8" -> (float) data.getDouble(i * 8);
                case "i4" -> data.getInt(i * 4);
                case "i8" -> data.getLong(i * 8);
                default -> Byte.toUnsignedInt(data.get(i));
            };
        }
        return new NpyArray(out, shape);
    }

    public static void write(Path path, NpyArray array) throws IOException {
        Files.write(path, toBytes(array));
    }

    public static byte[] toBytes(NpyArray array) {
        long[] dims = array.shape();
        String shape = dims.length == 1 ? "(" + dims[0] + ",)"
                : "(" + String.join(", ", java.util.Arrays.stream(dims).mapToObj(Long::toString).toList()) + ")";
        String dict = String.format(Locale.ROOT, "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }", shape);
        int total = MAGIC.length + 4 + dict.length() + 1;
        int padding = (64 - total % 64) % 64;
        String header = dict + " ".repeat(padding) + "\n";
        ByteBuffer buf = ByteBuffer.allocate(MAGIC.length + 4 + header.length() + array.data().length * 4)
                .order(ByteOrder.LITTLE_ENDIAN);
        buf.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
        buf.put(header.getBytes(StandardCharsets.ISO_8859_1));
        for (float f : array.data()) {
            buf.putFloat(f);
        }
        return buf.array();
    }

    private static String group(Pattern p, String header, String what, String key) throws NpyFormatException {
        Matcher m = p.matcher(header);
        if (!m.find()) {
            throw new NpyFormatException(what + ": .npy header has no '" + key + "'");
        }
        return m.group(1);
    }

    private static long[] parseShape(String text, String what) throws NpyFormatException {
        List<Long> dims = new ArrayList<>();
        for (String part : text.split(",")) {
            String t = part.trim();
            if (!t.isEmpty()) {
                try {
                    dims.add(Long.parseLong(t.replace("L", "")));
                } catch (NumberFormatException e) {
                    throw new NpyFormatException(what + ": bad shape '" + text + "'");
                }
            }
        }
        return dims.stream().mapToLong(Long::longValue).toArray();
    }
}
