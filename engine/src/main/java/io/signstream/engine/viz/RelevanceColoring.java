package io.signstream.engine.viz;

/**
 * {@code relevance_to_heatmap(R, cmap, symmetric)} of SignXAI: maps relevance values to RGB colours.
 *
 * <p>With {@code symmetric} the values are normalised with vmin = −1, vmax = 1, i.e. {@code t = (R + 1) / 2},
 * otherwise with vmin = 0, vmax = 1 ({@code t = R}); there is <em>no</em> clipping (matplotlib's {@code Normalize}
 * default), out-of-range values take the colormap's end entries. {@code t} is computed in float32, as
 * matplotlib does for a float32 map, then the colormap picks {@code floor(t·256)} (see {@link Colormap#index}).
 * NaN gives (0, 0, 0). The input is expected to be normalised already, typically by
 * {@link HeatmapNormalization#normalizeHeatmap(float[])} or
 * {@link HeatmapNormalization#normalizeRelevanceMap(float[])}.
 *
 * <pre>{@code
 * float[] rgb = RelevanceColoring.relevanceToHeatmap(new float[] {-1f, 0f, 1f}, Colormap.SEISMIC, true);
 * // {0, 0, 0.3,   1, 0.992157, 0.992157,   0.5, 0, 0}
 * }</pre>
 */
public final class RelevanceColoring {

    private RelevanceColoring() {
    }

    /**
     * Colours each value; the result has {@code 3 * values.length} floats, {@code {r, g, b}} per value, in [0, 1].
     */
    public static float[] relevanceToHeatmap(float[] values, Colormap cmap, boolean symmetric) {
        float[] rgb = new float[values.length * 3];
        for (int i = 0; i < values.length; i++) {
            cmap.colorAt(normalized(values[i], symmetric), rgb, 3 * i);
        }
        return rgb;
    }

    /** {@code relevance_to_heatmap(R)} with its defaults: seismic, symmetric. */
    public static float[] relevanceToHeatmap(float[] values) {
        return relevanceToHeatmap(values, Colormap.SEISMIC, true);
    }

    /** An {@code (H, W)} map as an image. */
    public static RgbImage relevanceToHeatmap(float[] map, int height, int width, Colormap cmap, boolean symmetric) {
        if (map.length != (long) height * width) {
            throw new IllegalArgumentException(map.length + " values cannot form a " + height + "x" + width + " map");
        }
        return new RgbImage(height, width, relevanceToHeatmap(map, cmap, symmetric));
    }

    /** The lookup-table entry a value selects (−1 for NaN); useful to check which colour a value gets. */
    public static int lutIndex(float value, Colormap cmap, boolean symmetric) {
        return cmap.index(normalized(value, symmetric));
    }

    /** matplotlib's {@code Normalize(vmin, vmax)(R)} without clipping, in float32. */
    private static float normalized(float r, boolean symmetric) {
        // (R - (-1)) / (1 - (-1)): one float32 rounding in the addition; dividing by 2 is exact.
        return symmetric ? (r + 1f) / 2f : r;
    }
}
