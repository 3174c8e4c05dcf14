package io.signstream.engine.method;

import io.signstream.engine.api.ExplainException;
import java.util.Arrays;

/** The class each sample is explained for: the requested one(s) (checked), or the arg-max logit. */
public final class Targets {

    private Targets() {
    }

    /** The requested targets, or each sample's arg-max, checked against the number of classes. */
    public static int[] resolve(int[] requested, float[] logits, int classes, MethodSpec spec, int batch)
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
