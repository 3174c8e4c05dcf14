package io.signstream.engine.keras;

import io.jhdf.HdfFile;
import io.jhdf.Superblock;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import io.signstream.engine.graph.Weights;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * HDF5 access through jHDF (pure Java), with the checks that turn a wrong or damaged file into one clear error
 * before jHDF meets it: the HDF5 signature, and the end-of-file address the superblock records (a truncated
 * download is the usual damage, and jHDF would otherwise fail somewhere inside a dataset read).
 */
final class Hdf5Files {

    private static final byte[] SIGNATURE = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

    private Hdf5Files() {
    }

    /** Opens an HDF5 file from disk, checked. */
    static HdfFile open(Path file) throws ExplainException {
        byte[] head;
        long size;
        try (InputStream in = Files.newInputStream(file)) {
            size = Files.size(file);
            head = in.readNBytes((int) Math.min(size, 1 << 16));
        } catch (NoSuchFileException e) {
            throw new ExplainException(Kind.MODEL_NOT_FOUND, "model file not found: " + file);
        } catch (IOException e) {
            throw new ExplainException(Kind.MODEL_NOT_FOUND, "cannot read " + file + ": " + e.getMessage(), e);
        }
        String name = file.getFileName().toString();
        checkSignature(head, size, name);
        try {
            return checked(new HdfFile(file), size, name);
        } catch (RuntimeException e) {
            throw damaged(name, e);
        }
    }

    /** Opens an HDF5 image held in memory (the weights inside a {@code .keras} archive), checked. */
    static HdfFile open(byte[] bytes, String name) throws ExplainException {
        checkSignature(bytes, bytes.length, name);
        try {
            return checked(HdfFile.fromBytes(bytes), bytes.length, name);
        } catch (RuntimeException e) {
            throw damaged(name, e);
        }
    }

    private static HdfFile checked(HdfFile f, long size, String name) throws ExplainException {
        Superblock sb = f.getHdfBackingStorage().getSuperblock();
        // The end-of-file address is relative to the base address (which includes a user block).
        long end = sb.getBaseAddressByte() + sb.getEndOfFileAddress();
        if (sb.getEndOfFileAddress() > 0 && end > size) {
            f.close();
            throw new ExplainException(Kind.CORRUPT_MODEL, name + " is truncated: it holds " + size
                    + " bytes, its HDF5 superblock records " + end);
        }
        return f;
    }

    /** HDF5 puts its signature at 0, 512, 1024, 2048, ... (after a user block). */
    private static void checkSignature(byte[] head, long size, String name) throws ExplainException {
        for (int at = 0; at + SIGNATURE.length <= head.length; at = at == 0 ? 512 : at * 2) {
            if (Arrays.equals(head, at, at + SIGNATURE.length, SIGNATURE, 0, SIGNATURE.length)) {
                return;
            }
        }
        throw new ExplainException(Kind.CORRUPT_MODEL, name + " is not an HDF5 file" + (size == 0 ? " (it is empty)"
                : ModelFileHints.of(head)));
    }

    /** jHDF's own failures (bad addresses, short buffers) as one line. */
    static ExplainException damaged(String name, RuntimeException e) {
        return new ExplainException(Kind.CORRUPT_MODEL, "cannot read HDF5 file " + name + " (damaged or truncated?): "
                + e.getClass().getSimpleName() + ": " + KerasJson.firstLine(e.getMessage()), e);
    }

    /** A string attribute (h5py stores Python str and bytes alike as HDF5 strings). */
    static Optional<String> string(Node node, String attribute) {
        Attribute a = node.getAttributes().get(attribute);
        if (a == null || a.isEmpty()) {
            return Optional.empty();
        }
        Object data = a.getData();
        if (data instanceof String s) {
            return Optional.of(s);
        }
        if (data instanceof String[] arr && arr.length == 1) {
            return Optional.of(arr[0]);
        }
        return Optional.empty();
    }

    /**
     * A list-of-strings attribute. Keras splits lists larger than the 64 KiB object-header limit into
     * {@code name0}, {@code name1}, ...; an empty list is stored as an empty float array.
     */
    static Optional<List<String>> strings(Node node, String attribute) {
        var attrs = node.getAttributes();
        if (attrs.containsKey(attribute)) {
            return Optional.of(stringArray(attrs.get(attribute)));
        }
        if (!attrs.containsKey(attribute + "0")) {
            return Optional.empty();
        }
        List<String> all = new ArrayList<>();
        for (int i = 0; attrs.containsKey(attribute + i); i++) {
            all.addAll(stringArray(attrs.get(attribute + i)));
        }
        return Optional.of(all);
    }

    private static List<String> stringArray(Attribute a) {
        if (a.isEmpty()) {
            return List.of();
        }
        Object data = a.getData();
        if (data instanceof String[] arr) {
            return List.of(arr);
        }
        if (data instanceof String s) {
            return List.of(s);
        }
        return List.of();
    }

    /** A child group or dataset, or empty (jHDF's getByPath throws on a missing path). */
    static Optional<Node> child(Group group, String path) {
        Node n = group;
        for (String part : path.split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            if (!(n instanceof Group g)) {
                return Optional.empty();
            }
            n = g.getChild(part);
            if (n == null) {
                return Optional.empty();
            }
        }
        return Optional.of(n);
    }

    /** A floating-point dataset as float32 weights in C order. */
    static Weights weights(Dataset d, String what) throws ExplainException {
        long[] shape = d.getDimensionsAsLong();
        Object flat = d.isScalar() ? new float[] {((Number) d.getData()).floatValue()} : d.getDataFlat();
        float[] values;
        if (flat instanceof float[] f) {
            values = f;
        } else if (flat instanceof double[] dd) {
            values = new float[dd.length];
            for (int i = 0; i < dd.length; i++) {
                values[i] = (float) dd[i];
            }
        } else {
            throw new ExplainException(Kind.UNSUPPORTED_MODEL, what + " holds " + d.getJavaType().getSimpleName()
                    + " values; only float32/float64 weights are supported");
        }
        return new Weights(values, shape);
    }
}
