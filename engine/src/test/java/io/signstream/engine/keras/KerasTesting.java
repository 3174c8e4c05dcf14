package io.signstream.engine.keras;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.signstream.engine.api.ExplainException;
import io.signstream.engine.backend.Backend;
import io.signstream.engine.exec.BoundGraph;
import io.signstream.engine.exec.ForwardPass;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.method.MethodNames;
import io.signstream.engine.method.MethodParams;
import io.signstream.engine.method.MethodRunner;
import io.signstream.engine.npy.NpyArray;
import java.util.Map;

/**
 * Shared helpers of the Keras/TF.js importer tests: forward passes and method runs on a backend, and the
 * fixtures' agreement measure max|a − r| / max|r|.
 */
final class KerasTesting {

    static {
        // jHDF logs every lazily loaded group at INFO; the test output should show the agreement lines instead.
        System.setProperty("org.slf4j.simpleLogger.log.io.jhdf", "warn");
    }

    private KerasTesting() {
    }

    /** Call from a test class's static initialiser, before jHDF creates its loggers. */
    static void quietJhdf() {
        // the static block above does the work
    }

    static float[] logits(Backend backend, Graph graph, NpyArray x) {
        try (BoundGraph model = new BoundGraph(graph, backend); NDManager m = backend.newManager()) {
            return ForwardPass.logits(model, m.create(x.data(), new Shape(x.shape()))).toFloatArray();
        }
    }

    /** One method through {@code MethodRunner}, as the brief's contract calls it. */
    static float[] map(Backend backend, Graph graph, NpyArray x, int target, String method,
            Map<String, String> params) throws ExplainException {
        try (BoundGraph model = new BoundGraph(graph, backend); NDManager m = backend.newManager()) {
            NDArray input = m.create(x.data(), new Shape(x.shape()));
            int n = (int) x.shape()[0];
            int[] targets = new int[n];
            java.util.Arrays.fill(targets, target);
            return MethodRunner.run(model, input, targets, MethodNames.parse(method, MethodParams.of(params)))
                    .toFloatArray();
        }
    }

    /** max|actual − reference| / max|reference|. */
    static double relError(float[] actual, float[] reference) {
        if (actual.length != reference.length) {
            throw new AssertionError("sizes differ: " + actual.length + " vs " + reference.length);
        }
        double maxRef = 0;
        double maxDiff = 0;
        for (int i = 0; i < reference.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(reference[i]));
            maxDiff = Math.max(maxDiff, Math.abs((double) actual[i] - reference[i]));
        }
        return maxRef == 0 ? maxDiff : maxDiff / maxRef;
    }

    static double maxAbsDiff(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs((double) a[i] - b[i]));
        }
        return d;
    }

    static int argMax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
