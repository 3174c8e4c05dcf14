package io.signstream.engine.api;

import io.signstream.engine.graph.Graph;
import io.signstream.engine.method.MethodSpec;
import io.signstream.engine.npy.NpyArray;
import java.util.Arrays;

/** Validation of user inputs before any engine work, each failure a one-line typed error. */
final class InputChecks {

    private InputChecks() {
    }

    static void check(Graph graph, NpyArray input) throws ExplainException {
        long[] expected = graph.sampleShape();
        long[] shape = input.shape();
        if (shape.length != expected.length + 1) {
            throw new ExplainException(ExplainException.Kind.BAD_SHAPE, "input has rank " + shape.length + " "
                    + Arrays.toString(shape) + "; model " + graph.name() + " expects (batch, "
                    + Arrays.toString(expected).replaceAll("[\\[\\]]", "") + ")");
        }
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] > 0 && expected[i] != shape[i + 1]) {
                throw new ExplainException(ExplainException.Kind.BAD_SHAPE, "input shape " + Arrays.toString(shape)
                        + " does not match the model's (batch, " + Arrays.toString(expected).replaceAll("[\\[\\]]", "")
                        + ")");
            }
        }
        if (shape[0] < 1 || shape[0] > Explainer.MAX_BATCH) {
            throw new ExplainException(ExplainException.Kind.BAD_SHAPE,
                    "batch size " + shape[0] + " outside [1, " + Explainer.MAX_BATCH + "]");
        }
        float[] data = input.data();
        for (int i = 0; i < data.length; i++) {
            if (!Float.isFinite(data[i])) {
                throw new ExplainException(ExplainException.Kind.NON_FINITE,
                        "input contains " + data[i] + " at flat index " + i + "; inputs must be finite");
            }
        }
    }

    /** The requested targets, or each sample's arg-max, checked against the number of classes. */
    static int[] targets(int[] requested, float[] logits, int classes, MethodSpec spec, int batch)
            throws ExplainException {
        String fromParams = spec.params().text("target").orElse(null);
        int[] t = requested;
        if (t == null && fromParams != null) {
            try {
                t = Arrays.stream(fromParams.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
            } catch (NumberFormatException e) {
                throw new ExplainException(ExplainException.Kind.BAD_PARAMETER, "target=" + fromParams
                        + " is not a class index (or comma-separated list)");
            }
        }
        if (t == null) {
            t = new int[batch];
            for (int i = 0; i < batch; i++) {
                int best = 0;
                for (int c = 1; c < classes; c++) {
                    if (logits[i * classes + c] > logits[i * classes + best]) {
                        best = c;
                    }
                }
                t[i] = best;
            }
            return t;
        }
        if (t.length == 1 && batch > 1) {
            int[] all = new int[batch];
            Arrays.fill(all, t[0]);
            t = all;
        }
        if (t.length != batch) {
            throw new ExplainException(ExplainException.Kind.BAD_PARAMETER,
                    t.length + " targets given for a batch of " + batch);
        }
        for (int v : t) {
            if (v < 0 || v >= classes) {
                throw new ExplainException(ExplainException.Kind.TARGET_OUT_OF_RANGE,
                        "target " + v + " out of range: the model has " + classes + " classes (0.." + (classes - 1)
                                + ")");
            }
        }
        return t;
    }
}
