package io.signstream.engine.torchscript;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.signstream.engine.npy.NpyArray;
import io.signstream.engine.npy.NpyFile;
import java.nio.file.Path;
import java.util.List;

/** Fixture paths, the fixture table of fixtures/README.md, and array comparisons for the TorchScript tests. */
final class TorchScriptFixtures {

    private TorchScriptFixtures() {
    }

    /** One fixture input: model, input folder, stored target class, sample shape. */
    record Case(String model, int input, int target, long[] sampleShape) {
        Path pt() {
            return root().resolve(model).resolve(model + ".pt");
        }

        Path dir() {
            return root().resolve(model).resolve("x" + input);
        }

        @Override
        public String toString() {
            return model + "/x" + input;
        }
    }

    /** fixtures/README.md, "Models": inputs and their targets. */
    static List<Case> cases() {
        long[] mlp = {20};
        long[] digits = {1, 16, 16};
        long[] vgg = {3, 32, 32};
        long[] ts = {2, 256};
        return List.of(
                new Case("mlp", 0, 0, mlp), new Case("mlp", 1, 1, mlp), new Case("mlp", 2, 2, mlp),
                new Case("mlp", 3, 0, mlp),
                new Case("digits_cnn", 0, 3, digits), new Case("digits_cnn", 1, 4, digits),
                new Case("digits_cnn", 2, 7, digits), new Case("digits_cnn", 3, 8, digits),
                new Case("small_vgg", 0, 4, vgg), new Case("small_vgg", 1, 8, vgg),
                new Case("ts_cnn", 0, 0, ts), new Case("ts_cnn", 1, 1, ts), new Case("ts_cnn", 2, 2, ts));
    }

    static Path root() {
        return Path.of(System.getProperty("signstream.fixtures", "src/test/resources/fixtures"));
    }

    static NpyArray npy(Path p) {
        try {
            return NpyFile.read(p);
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    static NDArray load(NDManager m, Path p) {
        NpyArray a = npy(p);
        return m.create(a.data(), new Shape(a.shape()));
    }

    /** One-hot rows: row i has 1 at targets[i]. */
    static NDArray oneHot(NDManager m, long classes, int... targets) {
        float[] data = new float[(int) (targets.length * classes)];
        for (int i = 0; i < targets.length; i++) {
            data[(int) (i * classes + targets[i])] = 1f;
        }
        return m.create(data, new Shape(targets.length, classes));
    }

    static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
        }
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs((double) a[i] - b[i]));
        }
        return m;
    }

    static int argMax(float[] a) {
        int best = 0;
        for (int i = 1; i < a.length; i++) {
            if (a[i] > a[best]) {
                best = i;
            }
        }
        return best;
    }
}
