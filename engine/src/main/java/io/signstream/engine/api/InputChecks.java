package io.signstream.engine.api;

import io.signstream.engine.graph.Graph;
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
}
