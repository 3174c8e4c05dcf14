package io.signstream.engine.torchscript;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Writes small TorchScript archives without Python: TorchScript source files as {@code torch.jit.save} prints them
 * plus a protocol-2 {@code data.pkl} with the module tree and tensors. libtorch compiles the source when it loads
 * the archive, so such a file is a real TorchScript model: {@link TorchScriptModel} is the reference for the
 * importer on operations that the fixture models do not use (batch norm, groups, average pooling, ...).
 */
final class TinyTorchScript {

    /** A float32 tensor attribute. */
    record Tensor(long[] shape, float[] data) {
        static Tensor random(Random r, float scale, long... shape) {
            int n = 1;
            for (long d : shape) {
                n *= (int) d;
            }
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = (float) (r.nextGaussian() * scale);
            }
            return new Tensor(shape, v);
        }

        static Tensor positive(Random r, long n) {
            float[] v = new float[(int) n];
            for (int i = 0; i < n; i++) {
                v[i] = 0.5f + r.nextFloat();
            }
            return new Tensor(new long[] {n}, v);
        }
    }

    /** A tensor attribute that is a buffer, not a parameter. */
    private record Buffer(Tensor tensor) {
    }

    /** A module instance: its class ({@code __torch__.synth.Conv}) and attributes in order. */
    static final class Module {
        final String cls;
        final Map<String, Object> attrs = new LinkedHashMap<>();

        Module(String cls) {
            this.cls = cls;
            attrs.put("training", Boolean.FALSE);
        }

        Module put(String name, Object value) {
            attrs.put(name, value);
            return this;
        }

        /** A buffer (BatchNorm statistics): saved with requires_grad=False, as torch.jit.save does. */
        Module buffer(String name, Tensor value) {
            attrs.put(name, new Buffer(value));
            return this;
        }
    }

    private TinyTorchScript() {
    }

    /**
     * Writes {@code file} as archive {@code name}: {@code code} maps paths under {@code code/} (e.g.
     * {@code __torch__/synth.py}) to their source.
     */
    static Path write(Path file, String name, Map<String, String> code, Module root) throws IOException {
        List<Tensor> storages = new ArrayList<>();
        byte[] pickle = pickle(root, storages);
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put(name + "/data.pkl", pickle);
        for (Map.Entry<String, String> c : code.entrySet()) {
            entries.put(name + "/code/" + c.getKey(), c.getValue().getBytes(StandardCharsets.UTF_8));
        }
        for (int i = 0; i < storages.size(); i++) {
            float[] v = storages.get(i).data();
            ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (float f : v) {
                b.putFloat(f);
            }
            entries.put(name + "/data/" + i, b.array());
        }
        entries.put(name + "/constants.pkl", new byte[] {(byte) 0x80, 2, ')', '.'});
        entries.put(name + "/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        writeZip(file, entries);
        return file;
    }

    /** Copies an archive with its entries edited (name → bytes; remove an entry to drop it). */
    static Path copyEdited(Path source, Path target, Consumer<Map<String, byte[]>> edit) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(source.toFile())) {
            for (ZipEntry e : Collections.list(zip.entries())) {
                entries.put(e.getName(), zip.getInputStream(e).readAllBytes());
            }
        }
        edit.accept(entries);
        writeZip(target, entries);
        return target;
    }

    /** Stored (uncompressed) entries, as torch.jit.save writes them. */
    static void writeZip(Path file, Map<String, byte[]> entries) throws IOException {
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                ZipEntry z = new ZipEntry(e.getKey());
                z.setMethod(ZipEntry.STORED);
                z.setSize(e.getValue().length);
                CRC32 crc = new CRC32();
                crc.update(e.getValue());
                z.setCrc(crc.getValue());
                zip.putNextEntry(z);
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
    }

    // ------------------------------------------------------------------ pickle protocol 2

    private static byte[] pickle(Module root, List<Tensor> storages) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x80);
        out.write(2);
        module(out, root, storages);
        out.write('.');
        return out.toByteArray();
    }

    private static void module(ByteArrayOutputStream out, Module m, List<Tensor> storages) {
        int dot = m.cls.lastIndexOf('.');
        global(out, m.cls.substring(0, dot), m.cls.substring(dot + 1));
        out.write(')'); // EMPTY_TUPLE
        out.write(0x81); // NEWOBJ
        out.write('}'); // EMPTY_DICT
        out.write('('); // MARK
        for (Map.Entry<String, Object> a : m.attrs.entrySet()) {
            string(out, a.getKey());
            value(out, a.getValue(), storages);
        }
        out.write('u'); // SETITEMS
        out.write('b'); // BUILD
    }

    private static void value(ByteArrayOutputStream out, Object v, List<Tensor> storages) {
        if (v == null) {
            out.write('N');
        } else if (v instanceof Boolean b) {
            out.write(b ? 0x88 : 0x89);
        } else if (v instanceof Module m) {
            module(out, m, storages);
        } else if (v instanceof Tensor t) {
            tensor(out, t, true, storages);
        } else if (v instanceof Buffer b) {
            tensor(out, b.tensor(), false, storages);
        } else {
            throw new IllegalArgumentException("cannot pickle " + v);
        }
    }

    /** torch._utils._rebuild_tensor_v2((storage pid), 0, size, stride, requires_grad, OrderedDict()) */
    private static void tensor(ByteArrayOutputStream out, Tensor t, boolean requiresGrad, List<Tensor> storages) {
        String key = Integer.toString(storages.size());
        storages.add(t);
        global(out, "torch._utils", "_rebuild_tensor_v2");
        out.write('(');
        out.write('(');
        string(out, "storage");
        global(out, "torch", "FloatStorage");
        string(out, key);
        string(out, "cpu");
        integer(out, t.data().length);
        out.write('t');
        out.write('Q'); // BINPERSID
        integer(out, 0);
        out.write('(');
        for (long d : t.shape()) {
            integer(out, d);
        }
        out.write('t');
        out.write('(');
        long stride = 1;
        long[] strides = new long[t.shape().length];
        for (int i = strides.length - 1; i >= 0; i--) {
            strides[i] = stride;
            stride *= t.shape()[i];
        }
        for (long s : strides) {
            integer(out, s);
        }
        out.write('t');
        out.write(requiresGrad ? 0x88 : 0x89);
        global(out, "collections", "OrderedDict");
        out.write(')');
        out.write('R');
        out.write('t');
        out.write('R');
    }

    private static void global(ByteArrayOutputStream out, String module, String name) {
        out.write('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private static void string(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write('X');
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
        out.writeBytes(b);
    }

    private static void integer(ByteArrayOutputStream out, long v) {
        out.write('J');
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(Math.toIntExact(v)).array());
    }
}
