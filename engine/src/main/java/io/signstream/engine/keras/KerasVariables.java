package io.signstream.engine.keras;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import io.signstream.engine.graph.Weights;
import java.util.Arrays;
import java.util.List;

/**
 * Checks a layer's stored variables against what its config implies, and converts Keras kernel layouts to the
 * graph's: Dense (in, out) → (out, in), Conv1D (K, in, out) → (out, in, K), Conv2D HWIO → OIHW.
 */
final class KerasVariables {

    private KerasVariables() {
    }

    /**
     * The layer's variables, one per expected name with the expected shape.
     *
     * @param roles what each variable is, for messages ({@code kernel}, {@code bias}, ...)
     * @param shapes the shape the config implies for each
     */
    static Weights[] expect(KerasLayer layer, KerasWeights source, String model, List<String> roles,
            List<long[]> shapes) throws ExplainException {
        List<KerasVariable> vars = source.of(layer);
        if (vars.isEmpty() && !roles.isEmpty()) {
            throw new ExplainException(Kind.CORRUPT_MODEL, model + ": no weights are stored for " + layer.describe());
        }
        if (vars.size() != roles.size()) {
            throw new ExplainException(Kind.CORRUPT_MODEL, model + ": " + layer.describe() + " has " + vars.size()
                    + " stored weight arrays " + vars.stream().map(KerasVariable::name).toList()
                    + " but its config implies " + roles.size() + " " + roles);
        }
        Weights[] out = new Weights[roles.size()];
        for (int i = 0; i < out.length; i++) {
            Weights w = vars.get(i).value();
            if (!Arrays.equals(w.shape(), shapes.get(i))) {
                throw new ExplainException(Kind.CORRUPT_MODEL, model + ": " + layer.describe() + ": the stored "
                        + roles.get(i) + " has shape " + Arrays.toString(w.shape()) + " but the config implies "
                        + Arrays.toString(shapes.get(i)));
            }
            out[i] = w;
        }
        return out;
    }

    /**
     * The kernel with its axes moved: output axis {@code k} is input axis {@code perm[k]}. Moves
     * (k..., in, out) to (out, in, k...) with {@code perm = {r+1, r, 0, ..., r−1}}.
     */
    static Weights permute(Weights w, int[] perm) {
        long[] in = w.shape();
        int rank = in.length;
        long[] out = new long[rank];
        for (int k = 0; k < rank; k++) {
            out[k] = in[perm[k]];
        }
        long[] inStrides = strides(in);
        long[] stridesInOutOrder = new long[rank];
        for (int k = 0; k < rank; k++) {
            stridesInOutOrder[k] = inStrides[perm[k]];
        }
        float[] src = w.data();
        float[] dst = new float[src.length];
        int[] index = new int[rank];
        for (int flat = 0; flat < dst.length; flat++) {
            long offset = 0;
            for (int k = 0; k < rank; k++) {
                offset += index[k] * stridesInOutOrder[k];
            }
            dst[flat] = src[(int) offset];
            for (int k = rank - 1; k >= 0; k--) {
                if (++index[k] < out[k]) {
                    break;
                }
                index[k] = 0;
            }
        }
        return new Weights(dst, out);
    }

    /** Keras (k..., in, out) kernel → graph (out, in, k...). */
    static Weights kernelToChannelsFirst(Weights kernel) {
        int r = kernel.rank() - 2;
        int[] perm = new int[r + 2];
        perm[0] = r + 1;
        perm[1] = r;
        for (int i = 0; i < r; i++) {
            perm[2 + i] = i;
        }
        return permute(kernel, perm);
    }

    static Weights filled(long n, float value) {
        float[] v = new float[(int) n];
        Arrays.fill(v, value);
        return new Weights(v, new long[] {n});
    }

    private static long[] strides(long[] shape) {
        long[] s = new long[shape.length];
        long acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }
}
