package io.signstream.engine.testing;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.npy.NpyArray;
import io.signstream.engine.npy.NpyFile;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Paths and arrays of the reference data under {@code src/test/resources/fixtures} (a byte-for-byte copy of
 * the shared fixture set, see its README.md). Surefire passes the folder as the system property
 * {@code signstream.fixtures}; a test started from an IDE without it falls back to the module-relative path.
 *
 * <pre>{@code
 * Path onnx = Fixtures.model("digits_cnn", "onnx");          // fixtures/digits_cnn/digits_cnn.onnx
 * NpyArray x = Fixtures.input("digits_cnn", "x0");            // fixtures/digits_cnn/x0/input.npy
 * NpyArray ref = Fixtures.canonical("digits_cnn", "x0", "gradient");
 * }</pre>
 */
public final class Fixtures {

    /** The system property naming the fixture folder. */
    public static final String PROPERTY = "signstream.fixtures";

    private Fixtures() {
    }

    public static Path root() {
        String configured = System.getProperty(PROPERTY);
        Path root = configured != null ? Path.of(configured) : Path.of("src", "test", "resources", "fixtures");
        if (!Files.isDirectory(root)) {
            throw new IllegalStateException("fixture folder not found: " + root.toAbsolutePath()
                    + " (set -D" + PROPERTY + "=...)");
        }
        return root;
    }

    /** {@code <model>/<model>.<ext>}, e.g. {@code model("mlp", "onnx")}. */
    public static Path model(String model, String ext) {
        return existing(root().resolve(model).resolve(model + "." + ext));
    }

    /** Any file below the fixture root, e.g. {@code file("real/wonnx_opt_mnist/opt-mnist.onnx")}. */
    public static Path file(String relative) {
        return existing(root().resolve(relative));
    }

    /** {@code <model>/<x>/input.npy}: the input, batch of one. */
    public static NpyArray input(String model, String x) {
        return npy(root().resolve(model).resolve(x).resolve("input.npy"));
    }

    /** {@code <model>/<x>/logits.npy}: the eager PyTorch logits for that input. */
    public static NpyArray logits(String model, String x) {
        return npy(root().resolve(model).resolve(x).resolve("logits.npy"));
    }

    /** {@code <model>/<x>/canonical/<method>.npy}: the canonical reference map. */
    public static NpyArray canonical(String model, String x, String method) {
        return npy(root().resolve(model).resolve(x).resolve("canonical").resolve(method + ".npy"));
    }

    /** Reads a {@code .npy} file; a missing or unreadable fixture is a broken test setup, hence unchecked. */
    public static NpyArray npy(Path path) {
        try {
            return NpyFile.read(existing(path));
        } catch (ExplainException e) {
            throw new IllegalStateException("cannot read fixture " + path + ": " + e.getMessage(), e);
        }
    }

    private static Path existing(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new IllegalStateException("fixture file not found: " + path.toAbsolutePath());
        }
        return path;
    }
}
