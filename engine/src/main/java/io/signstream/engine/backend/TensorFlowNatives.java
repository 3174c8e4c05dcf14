package io.signstream.engine.backend;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Properties;

/**
 * Makes DJL's TensorFlow engine load the native libraries of the {@code tensorflow-native-cpu} jar on the
 * classpath instead of downloading them.
 *
 * <p>Why: that jar's {@code tensorflow.properties} names a CUDA flavour ({@code cu113}), so on a CPU-only machine
 * DJL ignores it and tries to download from publish.djl.ai, which must never happen here. DJL honours a
 * {@code TENSORFLOW_LIBRARY_PATH} (environment variable or system property) read when the engine first loads,
 * so the libraries are copied out of the jar into a cache folder and the property is set before the first
 * {@code Engine.getEngine("TensorFlow")}. The copy is about 1 GB (10 s or so), hence the cache: a marker file
 * written after the last byte tells a finished folder from a half-copied one, and a file lock keeps two JVMs
 * from copying into the same folder at once.
 *
 * <p>Cache folder: {@code $ENGINE_CACHE_DIR/signstream-tensorflow-<version>-cpu} or
 * {@code $DJL_CACHE_DIR/signstream-tensorflow-<version>-cpu} when one of those is set (environment variable or
 * system property, like DJL reads them), else {@code ~/.cache/signstream/tensorflow-<version>-cpu}.
 */
public final class TensorFlowNatives {

    /** The property (or environment variable) DJL's TensorFlow {@code LibUtils} reads. */
    public static final String LIBRARY_PATH = "TENSORFLOW_LIBRARY_PATH";

    private static final String RESOURCE_DIR = "native/lib/";
    private static final String[] LIBRARIES = {
        "libjnitensorflow.so", "libtensorflow_framework.so.2", "libtensorflow_cc.so.2"
    };
    private static final String MARKER = ".complete";

    private static Path resolved;

    private TensorFlowNatives() {
    }

    /**
     * Copies the libraries into the cache folder now and prints it: a container image runs this at build time
     * ({@code java -cp ... io.signstream.engine.backend.TensorFlowNatives}) so that nothing is copied, let alone
     * downloaded, when a container starts.
     */
    public static void main(String[] args) {
        System.out.println(ensureLibraryPath());
    }

    /**
     * Idempotent and thread-safe; never touches the network. Leaves an existing {@code TENSORFLOW_LIBRARY_PATH}
     * alone when it already holds {@code libjnitensorflow.so}.
     *
     * @return the folder holding the TensorFlow native libraries
     * @throws IllegalStateException when the native jar is not on the classpath or the copy fails
     */
    public static synchronized Path ensureLibraryPath() {
        if (resolved != null) {
            return resolved;
        }
        Path preset = presetPath();
        if (preset != null) {
            resolved = preset;
            return resolved;
        }
        String version = bundledVersion();
        Path dir = cacheRoot(version);
        try {
            if (!Files.exists(dir.resolve(MARKER))) {
                extract(dir, version);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not copy the TensorFlow native libraries to " + dir, e);
        }
        System.setProperty(LIBRARY_PATH, dir.toString());
        resolved = dir;
        return resolved;
    }

    /** A TENSORFLOW_LIBRARY_PATH someone set already (system property first, as DJL reads it), if usable. */
    private static Path presetPath() {
        String value = System.getProperty(LIBRARY_PATH);
        if (value == null || value.isBlank()) {
            value = System.getenv(LIBRARY_PATH);
        }
        if (value == null || value.isBlank()) {
            return null;
        }
        Path p = Paths.get(value);
        if (Files.isRegularFile(p.resolve(LIBRARIES[0])) || p.getFileName().toString().equals(LIBRARIES[0])) {
            return p;
        }
        return null;
    }

    private static String bundledVersion() {
        try (InputStream in = resource("tensorflow.properties")) {
            Properties props = new Properties();
            props.load(in);
            String v = props.getProperty("version");
            if (v == null || v.isBlank()) {
                throw new IllegalStateException("native/lib/tensorflow.properties names no version");
            }
            return v.trim();
        } catch (IOException e) {
            throw new UncheckedIOException("could not read native/lib/tensorflow.properties", e);
        }
    }

    static Path cacheRoot(String version) {
        String name = "tensorflow-" + version + "-cpu";
        for (String key : new String[] {"ENGINE_CACHE_DIR", "DJL_CACHE_DIR"}) {
            String base = System.getProperty(key);
            if (base == null || base.isBlank()) {
                base = System.getenv(key);
            }
            if (base != null && !base.isBlank()) {
                return Paths.get(base).resolve("signstream-" + name).toAbsolutePath();
            }
        }
        return Paths.get(System.getProperty("user.home"), ".cache", "signstream", name).toAbsolutePath();
    }

    private static void extract(Path dir, String version) throws IOException {
        Files.createDirectories(dir.getParent());
        Path lockFile = dir.getParent().resolve(dir.getFileName() + ".lock");
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = channel.lock()) {
            if (Files.exists(dir.resolve(MARKER))) {
                return; // another process finished the copy while we waited for the lock
            }
            System.err.println("signstream: copying the TensorFlow " + version
                    + " native libraries (~1 GB) to " + dir + " (first use only) ...");
            Files.createDirectories(dir);
            for (String lib : LIBRARIES) {
                Path part = dir.resolve(lib + ".part");
                try (InputStream in = resource(lib)) {
                    Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
                }
                Files.move(part, dir.resolve(lib), StandardCopyOption.REPLACE_EXISTING,
                        StandardCopyOption.ATOMIC_MOVE);
            }
            Files.writeString(dir.resolve(MARKER), version + "\n", StandardCharsets.UTF_8);
        }
    }

    private static InputStream resource(String name) {
        InputStream in = TensorFlowNatives.class.getClassLoader().getResourceAsStream(RESOURCE_DIR + name);
        if (in == null) {
            in = Thread.currentThread().getContextClassLoader() == null ? null
                    : Thread.currentThread().getContextClassLoader().getResourceAsStream(RESOURCE_DIR + name);
        }
        if (in == null) {
            throw new IllegalStateException(RESOURCE_DIR + name + " is not on the classpath: add "
                    + "ai.djl.tensorflow:tensorflow-native-cpu:2.10.1:linux-x86_64, or set " + LIBRARY_PATH
                    + " to a folder holding the TensorFlow native libraries");
        }
        return in;
    }
}
