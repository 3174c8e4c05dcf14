package io.signstream.engine.viz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** normalize_heatmap, normalize_relevance_map and numpy.percentile (METHODS.md §4). */
class HeatmapNormalizationTest {

    @Test
    void normalizeHeatmapDividesByMaxAbs() {
        float[] h = {2f, -4f, 1f, 0f};
        float[] out = HeatmapNormalization.normalizeHeatmap(h);
        assertArrayEquals(new float[] {0.5f, -1f, 0.25f, 0f}, out, 0f);
        assertArrayEquals(new float[] {2f, -4f, 1f, 0f}, h, 0f, "input untouched");
        // sign kept, no shift: an all-positive map keeps its minimum above 0
        assertArrayEquals(new float[] {0.5f, 1f, 0.75f},
                HeatmapNormalization.normalizeHeatmap(new float[] {2f, 4f, 3f}), 0f);
        // float32 division, as NumPy on a float32 map
        assertEquals(0.1f / 0.3f, HeatmapNormalization.normalizeHeatmap(new float[] {0.1f, 0.3f})[0], 0f);
    }

    @Test
    void normalizeHeatmapDegenerateMaps() {
        assertArrayEquals(new float[4], HeatmapNormalization.normalizeHeatmap(new float[4]), 0f, "all zero");
        // signxai2: constant non-zero → zeros (the SIGN-paper version would give ±1)
        assertArrayEquals(new float[3], HeatmapNormalization.normalizeHeatmap(new float[] {3f, 3f, 3f}), 0f);
        assertArrayEquals(new float[2], HeatmapNormalization.normalizeHeatmap(new float[] {-2f, -2f}), 0f);
        assertArrayEquals(new float[1], HeatmapNormalization.normalizeHeatmap(new float[] {7f}), 0f);
        assertEquals(0, HeatmapNormalization.normalizeHeatmap(new float[0]).length);
    }

    @Test
    void normalizeHeatmapNaNZeroesTheWholeMap() {
        // np.min/np.max return NaN, NaN != NaN divides by max|h| = NaN, nan → 0 everywhere.
        float[] out = HeatmapNormalization.normalizeHeatmap(new float[] {1f, Float.NaN, -3f});
        assertArrayEquals(new float[3], out, 0f);
        // An infinite maximum: x/inf = 0, inf/inf = NaN → 0.
        float[] inf = HeatmapNormalization.normalizeHeatmap(new float[] {Float.POSITIVE_INFINITY, 1f, -2f});
        assertArrayEquals(new float[3], inf, 0f);
    }

    @Test
    void percentileMatchesNumpyLinear() {
        float[] tenValues = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        // numpy.percentile(np.arange(10, dtype=np.float32), 99) == np.float32(8.91): 9 − 1·(1 − 0.91)
        assertEquals(8.91f, HeatmapNormalization.percentile(tenValues, 99), 0f);
        assertEquals(4.5f, HeatmapNormalization.percentile(tenValues, 50), 0f);
        assertEquals(0f, HeatmapNormalization.percentile(tenValues, 0), 0f);
        assertEquals(9f, HeatmapNormalization.percentile(tenValues, 100), 0f);
        assertEquals(2.25f, HeatmapNormalization.percentile(tenValues, 25), 0f);
        // unsorted input; vi = 5·0.99 = 4.95 between 2.2 and 5.0: 5 − 2.8·0.05 = 4.86
        assertEquals(4.86f, HeatmapNormalization.percentile(new float[] {0.3f, 1.7f, 2.2f, 0.01f, 0.5f, 5f}, 99), 0f);
        assertEquals(7f, HeatmapNormalization.percentile(new float[] {7f}, 99), 0f);
        assertTrue(Float.isNaN(HeatmapNormalization.percentile(new float[] {1f, Float.NaN}, 50)));
        assertThrows(IllegalArgumentException.class, () -> HeatmapNormalization.percentile(new float[0], 50));
        assertThrows(IllegalArgumentException.class, () -> HeatmapNormalization.percentile(tenValues, 101));
    }

    @Test
    void percentileBitExactAgainstNumpy() {
        // a = (i·7919 mod 1000) / 37 in float32; expected values printed by numpy 2.4.6 np.percentile(a, q).
        float[][] expected1000 = {
            {99f, 26.73000144958496f}, {99.9f, 26.972999572753906f}, {50f, 13.5f},
            {1f, 0.26999998092651367f}, {33.3f, 8.991000175476074f}, {0f, 0f}, {100f, 27f}};
        float[][] expected257 = {
            {99f, 26.63027000427246f}, {99.9f, 26.817079544067383f}, {50f, 13.54054069519043f},
            {1f, 0.20756757259368896f}, {33.3f, 9.101189613342285f}, {0f, 0f}, {100f, 26.83783721923828f}};
        check(1000, expected1000);
        check(257, expected257);
        // A few from numpy's random |N(0, 3)| float32 samples
        assertEquals(2.9567497f, HeatmapNormalization.percentile(new float[] {0.003690460231155157f,
            0.8962366580963135f, 0.8224135637283325f, 2.6717755794525146f, 1.364012360572815f,
            2.9749395847320557f, 0.1804307997226715f}, 99), 0f);
        assertEquals(1.9733425f, HeatmapNormalization.percentile(
                new float[] {4.853147029876709f, 6.564421653747559f, 1.0134077072143555f}, 12.5), 0f);
        assertEquals(1.3643525f, HeatmapNormalization.percentile(new float[] {1.3643524646759033f,
            1.6178920269012451f, 0.42870962619781494f, 3.324782371520996f, 3.648308277130127f}, 25), 0f);
    }

    private static void check(int n, float[][] expected) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) ((i * 7919) % 1000) / 37f;
        }
        for (float[] e : expected) {
            // q as numpy received it: a Python float (99.9 etc. as double literals)
            double q = Double.parseDouble(Float.toString(e[0]));
            assertEquals(e[1], HeatmapNormalization.percentile(a, q), 0f, "n=" + n + " q=" + q);
        }
    }

    @Test
    void normalizeRelevanceMapClipsAtPercentile() {
        float[] r = {0.3f, -1.7f, 2.2f, 0.01f, -0.5f, 5.0f};
        float[] out = HeatmapNormalization.normalizeRelevanceMap(r);
        // numpy: np.clip(r, -v, v) / v with v = np.percentile(np.abs(r), 99) = 4.86
        assertArrayEquals(new float[] {0.06172839552164078f, -0.3497942388057709f, 0.45267489552497864f,
            0.002057613106444478f, -0.10288065671920776f, 1.0f}, out, 0f);
        float[] lower = HeatmapNormalization.normalizeRelevanceMap(r, 50);
        // v = percentile(|r|, 50) = (0.5 + 1.7)/2 = 1.1: 2.2 and 5.0 clip to 1, −1.7 to −1
        assertArrayEquals(new float[] {0.3f / 1.1f, -1f, 1f, 0.01f / 1.1f, -0.5f / 1.1f, 1f}, lower, 1e-7f);
    }

    @Test
    void normalizeRelevanceMapWithZeroPercentileLeavesMapUnchanged() {
        float[] zeros = new float[5];
        float[] out = HeatmapNormalization.normalizeRelevanceMap(zeros);
        assertArrayEquals(zeros, out, 0f);
        assertNotSame(zeros, out);
        // 100 zeros and one spike: the 99th percentile of 101 values sits exactly on a zero (vi = 99), so v = 0
        // and the spike is NOT scaled.
        float[] spike = new float[101];
        spike[100] = 5f;
        assertArrayEquals(spike, HeatmapNormalization.normalizeRelevanceMap(spike), 0f);
        // NaN → NumPy percentile NaN → v > 0 false → unchanged
        float[] withNaN = {1f, Float.NaN, -2f};
        float[] kept = HeatmapNormalization.normalizeRelevanceMap(withNaN);
        assertTrue(Arrays.equals(withNaN, kept));
    }
}
