package io.signstream.engine.torchscript;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * The pieces of a TorchScript archive ({@code torch.jit.save}) that the importer reads, without any native code:
 * the TorchScript source of every class ({@code <root>/code/__torch__/**.py}), the pickled module tree
 * ({@code <root>/data.pkl}) and the raw tensor storages ({@code <root>/data/<key>}).
 *
 * <p>Everything is read eagerly and the zip is closed again: archives that explanations work on are small, and a
 * closed file cannot leak a descriptor when an import fails half-way.
 *
 * <pre>{@code
 * TorchScriptArchive a = TorchScriptArchive.open(Path.of("digits_cnn.pt"));
 * String conv = a.source("__torch__.torch.nn.modules.conv");   // the file's TorchScript text
 * }</pre>
 */
public final class TorchScriptArchive {

    /** Refuse archives whose entries would decompress to more than this (a zip bomb is a corrupt model here). */
    static final long MAX_TOTAL_BYTES = 4L << 30;

    private final Path path;
    private final String root;
    private final Map<String, String> sources;
    private final byte[] dataPickle;
    private final byte[] constantsPickle;
    private final Map<String, byte[]> storages;
    private final boolean bigEndian;

    /** Prefix of the storage keys of {@code constants/} entries. */
    static final String CONSTANTS = "constants/";

    private TorchScriptArchive(Path path, String root, Map<String, String> sources, byte[] dataPickle,
            byte[] constantsPickle, Map<String, byte[]> storages, boolean bigEndian) {
        this.path = path;
        this.root = root;
        this.sources = sources;
        this.dataPickle = dataPickle;
        this.constantsPickle = constantsPickle;
        this.storages = storages;
        this.bigEndian = bigEndian;
    }

    /**
     * Reads an archive.
     *
     * @throws ExplainException {@link Kind#MODEL_NOT_FOUND} when the file is missing, {@link Kind#CORRUPT_MODEL}
     *     when it is not a zip or lacks the TorchScript entries
     */
    public static TorchScriptArchive open(Path path) throws ExplainException {
        checkReadable(path);
        try (ZipFile zip = new ZipFile(path.toFile())) {
            String root = findRoot(zip, path);
            Map<String, String> sources = new LinkedHashMap<>();
            Map<String, byte[]> storages = new LinkedHashMap<>();
            byte[] pickle = null;
            boolean bigEndian = false;
            long total = 0;
            String codePrefix = root + "code/";
            String dataPrefix = root + "data/";
            String constantsPrefix = root + "constants/";
            byte[] constantsPickle = null;
            for (ZipEntry e : Collections.list(zip.entries())) {
                String name = e.getName();
                if (e.isDirectory()) {
                    continue;
                }
                boolean wanted = name.equals(root + "data.pkl") || name.equals(root + "byteorder")
                        || (name.startsWith(codePrefix) && name.endsWith(".py")) || name.startsWith(dataPrefix)
                        || name.equals(root + "constants.pkl") || name.startsWith(constantsPrefix);
                if (!wanted) {
                    continue;
                }
                byte[] bytes = readEntry(zip, e, path);
                total += bytes.length;
                if (total > MAX_TOTAL_BYTES) {
                    throw corrupt(path, "entries exceed " + MAX_TOTAL_BYTES + " bytes");
                }
                if (name.equals(root + "data.pkl")) {
                    pickle = bytes;
                } else if (name.equals(root + "byteorder")) {
                    bigEndian = new String(bytes, java.nio.charset.StandardCharsets.US_ASCII).trim().equals("big");
                } else if (name.equals(root + "constants.pkl")) {
                    constantsPickle = bytes;
                } else if (name.startsWith(constantsPrefix)) {
                    // the tensors the code names CONSTANTS.c0, c1, …: kept apart from data/ (same storage keys)
                    storages.put(CONSTANTS + name.substring(constantsPrefix.length()), bytes);
                } else if (name.startsWith(codePrefix)) {
                    // code/__torch__/torch/nn/modules/conv.py holds the classes of module __torch__.torch.nn.modules.conv
                    String rel = name.substring(codePrefix.length(), name.length() - ".py".length());
                    sources.put(rel.replace('/', '.'), new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
                } else {
                    storages.put(name.substring(dataPrefix.length()), bytes);
                }
            }
            if (pickle == null) {
                throw corrupt(path, "no " + root + "data.pkl entry");
            }
            if (sources.isEmpty()) {
                throw corrupt(path, "no TorchScript code under " + codePrefix);
            }
            return new TorchScriptArchive(path, root, sources, pickle, constantsPickle, storages, bigEndian);
        } catch (ZipException e) {
            throw corrupt(path, "not a zip archive (" + oneLine(e.getMessage()) + ")");
        } catch (IOException e) {
            throw new ExplainException(Kind.CORRUPT_MODEL,
                    "cannot read TorchScript model " + path + ": " + oneLine(e.getMessage()), e);
        }
    }

    /** Missing file → MODEL_NOT_FOUND; shared with {@link TorchScriptModel}, which must fail the same way. */
    static void checkReadable(Path path) throws ExplainException {
        if (path == null || !Files.exists(path)) {
            throw new ExplainException(Kind.MODEL_NOT_FOUND, "TorchScript model not found: " + path);
        }
        if (!Files.isRegularFile(path)) {
            throw new ExplainException(Kind.MODEL_NOT_FOUND, "TorchScript model is not a file: " + path);
        }
    }

    /** Checks the zip structure only (used before handing the file to libtorch, whose errors are multi-line). */
    static void checkIsArchive(Path path) throws ExplainException {
        checkReadable(path);
        try (ZipFile zip = new ZipFile(path.toFile())) {
            String root = findRoot(zip, path);
            if (zip.getEntry(root + "data.pkl") == null) {
                throw corrupt(path, "no " + root + "data.pkl entry");
            }
        } catch (ZipException e) {
            throw corrupt(path, "not a zip archive (" + oneLine(e.getMessage()) + ")");
        } catch (IOException e) {
            throw new ExplainException(Kind.CORRUPT_MODEL,
                    "cannot read TorchScript model " + path + ": " + oneLine(e.getMessage()), e);
        }
    }

    /** The archive's top folder ("mlp/", "foo/"): torch.jit.save puts every entry under one folder. */
    private static String findRoot(ZipFile zip, Path path) throws ExplainException {
        Enumeration<? extends ZipEntry> entries = zip.entries();
        while (entries.hasMoreElements()) {
            String name = entries.nextElement().getName();
            if (name.endsWith("data.pkl")) {
                String folder = name.substring(0, name.length() - "data.pkl".length());
                if (folder.isEmpty() || folder.indexOf('/') == folder.length() - 1) {
                    return folder;
                }
            }
        }
        throw corrupt(path, "no data.pkl entry; not a TorchScript archive");
    }

    private static byte[] readEntry(ZipFile zip, ZipEntry e, Path path) throws IOException, ExplainException {
        if (e.getSize() > Integer.MAX_VALUE - 16) {
            throw corrupt(path, "entry " + e.getName() + " is too large");
        }
        try (InputStream in = zip.getInputStream(e)) {
            return in.readAllBytes();
        }
    }

    static ExplainException corrupt(Path path, String why) {
        return new ExplainException(Kind.CORRUPT_MODEL, "corrupt TorchScript model " + path + ": " + why);
    }

    static String oneLine(String s) {
        if (s == null) {
            return "unknown error";
        }
        String first = s.strip().split("\\R", 2)[0];
        return first.length() > 200 ? first.substring(0, 200) + "…" : first;
    }

    public Path path() {
        return path;
    }

    /** The archive's folder name, which torch.jit.save takes from the file name (e.g. "mlp"). */
    public String rootName() {
        return root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
    }

    /** TorchScript source per Python module name, e.g. {@code __torch__.torch.nn.modules.linear}. */
    public Map<String, String> sources() {
        return Collections.unmodifiableMap(sources);
    }

    /** The source of one Python module, or null. */
    public String source(String pythonModule) {
        return sources.get(pythonModule);
    }

    /** The pickled module tree ({@code data.pkl}). */
    byte[] dataPickle() {
        return dataPickle;
    }

    /** The pickled tuple of tensor constants ({@code constants.pkl}, what the code calls CONSTANTS.cN), or null. */
    byte[] constantsPickle() {
        return constantsPickle;
    }

    /** Raw bytes of one tensor storage ({@code data/<key>}, or {@code constants/<key>} as {@link #CONSTANTS}+key), or null. */
    byte[] storage(String key) {
        return storages.get(key);
    }

    /** True when the archive says its storages are big-endian (PyTorch writes a {@code byteorder} entry). */
    boolean bigEndian() {
        return bigEndian;
    }
}
