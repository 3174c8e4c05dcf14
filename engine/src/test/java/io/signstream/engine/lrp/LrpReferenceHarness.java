package io.signstream.engine.lrp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.signstream.engine.api.ExplainException;
import io.signstream.engine.exec.Activations;
import io.signstream.engine.exec.BoundGraph;
import io.signstream.engine.exec.ForwardPass;
import io.signstream.engine.exec.Propagation;
import io.signstream.engine.exec.ReversePass;
import io.signstream.engine.method.Family;
import io.signstream.engine.method.MethodNames;
import io.signstream.engine.method.MethodParams;
import io.signstream.engine.method.MethodSpec;
import io.signstream.engine.method.Modifier;
import io.signstream.engine.npy.NpyArray;
import io.signstream.engine.npy.NpyFile;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;

/**
 * Runs LRP methods end to end on a {@link BoundGraph} and compares maps, for the golden-vector tests here and the
 * canonical-reference tests on the fixture models (mlp, digits_cnn, small_vgg through ONNX on both engines):
 * forward pass, seed onehot(c)·f_c, reverse pass with the composite, then the name's post-hoc modifier with the
 * original x. Engine-agnostic: the graph's backend decides where it runs.
 *
 * <pre>{@code
 * float[] map = LrpReferenceHarness.explain(model, input, new long[] {1, 20}, target, "lrp_epsilon_0_1_x_sign",
 *         MethodParams.empty());
 * LrpReferenceHarness.assertCanonical(map, NpyFile.read(ref).data(), 1e-4, 1e-7, "lrp_epsilon_0_1_x_sign");
 * }</pre>
 */
final class LrpReferenceHarness {

    private LrpReferenceHarness() {
    }

    /** The relevance map of a full method name (base LRP name plus any post-hoc modifier), batch of one. */
    static float[] explain(BoundGraph model, float[] x, long[] shape, int target, String method, MethodParams params)
            throws ExplainException {
        MethodSpec spec = MethodNames.parse(method, params);
        assertEquals(Family.LRP, spec.family(), method + " is not an LRP method");
        float[] map = relevance(model, x, shape, new int[] {target}, spec.lrp());
        return applyModifier(spec.modifier(), x, map);
    }

    /** The input relevance of a propagation, seeded with onehot(targets[n])·f_targets[n] per sample. */
    static float[] relevance(BoundGraph model, float[] x, long[] shape, int[] targets, Propagation rules) {
        try (NDManager m = model.backend().newManager()) {
            NDArray input = m.create(x, new Shape(shape));
            Activations acts = ForwardPass.run(model, input);
            NDArray out = ReversePass.toInput(model, acts, seed(acts.output(), targets), rules);
            return out.toFloatArray();
        }
    }

    /** onehot(c)·f_c for each sample: the iNNvestigate / canonical LRP seed. */
    static NDArray seed(NDArray logits, int[] targets) {
        long n = logits.getShape().get(0);
        long classes = logits.getShape().get(1);
        float[] onehot = new float[(int) (n * classes)];
        for (int i = 0; i < n; i++) {
            onehot[(int) (i * classes) + targets[i]] = 1f;
        }
        return logits.mul(logits.getManager().create(onehot, logits.getShape()));
    }

    /** The post-hoc factor of a method name, always with the original x (METHODS.md §2.4). */
    static float[] applyModifier(Modifier modifier, float[] x, float[] map) {
        float[] out = map.clone();
        for (int i = 0; i < out.length; i++) {
            float s1 = x[i] >= 0 ? 1f : -1f;
            if (modifier instanceof Modifier.XInput) {
                out[i] *= x[i];
            } else if (modifier instanceof Modifier.XSign) {
                out[i] *= s1;
            } else if (modifier instanceof Modifier.XInputXSign) {
                out[i] *= x[i] * s1;
            } else if (modifier instanceof Modifier.XSignMu mu) {
                out[i] *= x[i] >= mu.mu() ? 1f : -1f;
            } else if (modifier instanceof Modifier.XInputXSignMu mu) {
                out[i] *= x[i] * (x[i] >= mu.mu() ? 1f : -1f);
            }
        }
        return out;
    }

    /** Reads a stored reference map. */
    static NpyArray reference(Path file) throws Exception {
        return NpyFile.read(file);
    }

    /**
     * The fixtures' tolerance for exact methods: max|out − ref| ≤ tolMax·max|ref| + absFloor (each canonical entry
     * of fixtures/manifest.json carries its own tolMax and absFloor).
     */
    static void assertCanonical(float[] actual, float[] reference, double tolMax, double absFloor, String what) {
        assertEquals(reference.length, actual.length, what + ": map size");
        double maxRef = 0;
        double maxDiff = 0;
        int worst = -1;
        for (int i = 0; i < reference.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(reference[i]));
            double d = Math.abs((double) actual[i] - reference[i]);
            if (!(d <= maxDiff)) {
                maxDiff = d;
                worst = i;
            }
        }
        double bound = tolMax * maxRef + absFloor;
        if (!(maxDiff <= bound)) {
            fail(String.format("%s: max |out - ref| = %.3g at %d (out %.8g, ref %.8g) exceeds %.3g (max|ref| %.3g)", what,
                    maxDiff, worst, actual[worst], reference[worst], bound, maxRef));
        }
    }

    /** Element-wise |expected − actual| ≤ tol (golden vectors printed with 6 decimals). */
    static void assertClose(double[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + ": map size");
        for (int i = 0; i < expected.length; i++) {
            if (!(Math.abs(expected[i] - actual[i]) <= tol)) {
                fail(what + ": element " + i + " expected " + expected[i] + " but was " + actual[i] + "\n  expected "
                        + Arrays.toString(expected) + "\n  actual   " + Arrays.toString(actual));
            }
        }
    }

    static void assertFinite(float[] values, String what) {
        for (float v : values) {
            assertTrue(Float.isFinite(v), what + " has a non-finite value: " + Arrays.toString(values));
        }
    }

    /** The upstream signal at the output of each named node, for per-layer checks (conservation shares). */
    static java.util.Map<String, NDArray> upstreamAt(BoundGraph model, Activations acts, NDArray seed,
            Propagation rules, Set<String> nodes) {
        return ReversePass.run(model, acts, seed, rules, nodes);
    }
}
