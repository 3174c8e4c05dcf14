package io.signstream.engine.viz;

import java.util.Arrays;

/**
 * The two map normalisations of SignXAI (METHODS.md §4), reproduced with float32 arithmetic so that results
 * match NumPy on float32 maps bit for bit.
 *
 * <ul>
 *   <li>{@link #normalizeHeatmap(float[])} = {@code signxai.utils.utils.normalize_heatmap}: divide by the
 *       largest magnitude, sign kept, range [−1, 1].</li>
 *   <li>{@link #normalizeRelevanceMap(float[], double)} = {@code signxai.common.visualization.normalize_relevance_map}:
 *       clip at the 99th percentile of |R| and divide by it, so a few extreme pixels do not wash out the map.</li>
 * </ul>
 *
 * <pre>{@code
 * float[] h = HeatmapNormalization.normalizeHeatmap(new float[] {2f, -4f, 1f});   // {0.5, -1, 0.25}
 * float v = HeatmapNormalization.percentile(new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 99);   // 8.91
 * }</pre>
 */
public final class HeatmapNormalization {

    /** The default of {@code normalize_relevance_map}. */
    public static final double DEFAULT_PERCENTILE = 99.0;

    private HeatmapNormalization() {
    }

    /**
     * {@code normalize_heatmap(h)} of signxai2: if {@code min(h) != max(h)} returns {@code h / max(|h|)} with NaN
     * replaced by 0, otherwise zeros.
     *
     * <p>Edge cases follow NumPy exactly: an all-zero or constant map gives zeros (signxai2; the SIGN-paper
     * version would give ±1 for a constant non-zero map). A map containing a NaN gives <em>all</em> zeros,
     * because NumPy's {@code min}/{@code max} propagate NaN, {@code NaN != NaN} takes the dividing branch and
     * every quotient by {@code max(|h|) = NaN} is NaN, which then becomes 0.
     *
     * @return a new array; the input is not modified
     */
    public static float[] normalizeHeatmap(float[] h) {
        float[] out = new float[h.length];
        if (h.length == 0) {
            return out;
        }
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        float maxAbs = 0f;
        for (float v : h) {
            if (Float.isNaN(v)) {
                return out; // see the Javadoc: NumPy turns the whole map into zeros
            }
            min = Math.min(min, v);
            max = Math.max(max, v);
            maxAbs = Math.max(maxAbs, Math.abs(v));
        }
        if (min == max) {
            return out;
        }
        for (int i = 0; i < h.length; i++) {
            float q = h[i] / maxAbs;   // float32 division, as NumPy does on a float32 map
            out[i] = Float.isNaN(q) ? 0f : q;   // inf/inf when max(|h|) is infinite
        }
        return out;
    }

    /** {@link #normalizeRelevanceMap(float[], double)} with the 99th percentile. */
    public static float[] normalizeRelevanceMap(float[] r) {
        return normalizeRelevanceMap(r, DEFAULT_PERCENTILE);
    }

    /**
     * {@code normalize_relevance_map(R, percentile)}: {@code v = percentile(|R|, p)}; if {@code v > 0} returns
     * {@code clip(R, −v, v) / v} in [−1, 1], otherwise a copy of {@code R} unchanged (an all-zero map, or a map
     * containing NaN, for which NumPy's percentile is NaN).
     *
     * @param percentile in [0, 100]
     * @return a new array; the input is not modified
     */
    public static float[] normalizeRelevanceMap(float[] r, double percentile) {
        float[] abs = new float[r.length];
        for (int i = 0; i < r.length; i++) {
            abs[i] = Math.abs(r[i]);
        }
        float v = r.length == 0 ? Float.NaN : percentile(abs, percentile);
        if (!(v > 0f)) {
            return r.clone();
        }
        float[] out = new float[r.length];
        for (int i = 0; i < r.length; i++) {
            out[i] = Math.max(-v, Math.min(v, r[i])) / v;
        }
        return out;
    }

    /**
     * {@code numpy.percentile(values, q)} with the default {@code method="linear"} (Hyndman &amp; Fan type 7) on a
     * float32 array, computed as NumPy 2.x does for a Python-float {@code q}: virtual index
     * {@code (n−1)·(q/100)} in float64, weight {@code γ} = its fractional part, then float32
     * {@code a + (b−a)·γ}, or {@code b − (b−a)·(1−γ)} when {@code γ ≥ 0.5}. Any NaN gives NaN.
     *
     * @param q percentile in [0, 100]
     * @throws IllegalArgumentException for an empty array or q outside [0, 100]
     */
    public static float percentile(float[] values, double q) {
        if (values.length == 0) {
            throw new IllegalArgumentException("percentile of an empty array");
        }
        if (!(q >= 0 && q <= 100)) {
            throw new IllegalArgumentException("percentile must be in [0, 100], got " + q);
        }
        float[] sorted = values.clone();
        Arrays.sort(sorted); // NaN sorts last, as in NumPy
        int n = sorted.length;
        if (Float.isNaN(sorted[n - 1])) {
            return Float.NaN;
        }
        double virtual = (n - 1) * (q / 100.0);
        if (virtual >= n - 1) {
            return sorted[n - 1];
        }
        int prev = (int) Math.floor(virtual);
        double gamma = virtual - prev;
        float a = sorted[prev];
        float b = sorted[prev + 1];
        float diff = b - a;
        // NumPy's _lerp switches to the upper form for gamma >= 0.5 so that gamma = 1 returns b exactly.
        return gamma >= 0.5 ? b - diff * (float) (1.0 - gamma) : a + diff * (float) gamma;
    }
}
