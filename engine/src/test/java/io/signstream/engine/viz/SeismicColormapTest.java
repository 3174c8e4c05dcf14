package io.signstream.engine.viz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * The seismic lookup table and matplotlib's indexing rules (METHODS.md §4). Expected entries are worked out by
 * hand from the anchors (0,0,0.3) → (0,0,1) → (1,1,1) → (1,0,0) → (0.5,0,0) at t = 0, .25, .5, .75, 1 and
 * entry i sitting at t = i/255:
 * on [0, .25] B = 0.3 + 2.8t; on [.25, .5] R = G = 4t − 1; on [.5, .75] G = B = 3 − 4t; on [.75, 1] R = 2.5 − 2t.
 */
class SeismicColormapTest {

    private static final double EPS = 1e-7;

    private static void assertEntry(Colormap cmap, int i, double r, double g, double b) {
        assertArrayEquals(new double[] {r, g, b}, cmap.color(i), EPS, cmap.name() + " entry " + i);
    }

    @Test
    void seismicEndsAndAnchorNeighbours() {
        Colormap s = Colormap.SEISMIC;
        assertEquals(256, s.size());
        assertEquals("seismic", s.name());
        assertEntry(s, 0, 0, 0, 0.3);
        assertEntry(s, 32, 0, 0, 0.3 + 2.8 * 32 / 255);           // 0.651373
        assertEntry(s, 63, 0, 0, 0.99176471);                      // 0.3 + 176.4/255
        assertEntry(s, 64, 1.0 / 255, 1.0 / 255, 1);               // 0.00392157
        assertEntry(s, 100, 145.0 / 255, 145.0 / 255, 1);          // 0.56862745
        assertEntry(s, 127, 253.0 / 255, 253.0 / 255, 1);          // 0.992157
        assertEntry(s, 191, 1, 1.0 / 255, 1.0 / 255);
        assertEntry(s, 192, 253.5 / 255, 0, 0);                    // 0.99411765
        assertEntry(s, 224, 189.5 / 255, 0, 0);                    // 0.74313725
        assertEntry(s, 160, 1, 125.0 / 255, 125.0 / 255);          // 0.49019608
        assertEntry(s, 255, 0.5, 0, 0);
    }

    @Test
    void seismicBitExactAgainstNumpyTableConstruction() {
        // Float64 entries from matplotlib's _create_lookup_table algorithm re-run in NumPy 2.4.6 (linspace,
        // searchsorted, the distance formula): 64 and 191 carry rounding (0x1.0101010101000p-8 rather than the
        // correctly rounded 1/255), so only the same operation order reproduces them.
        double[][] expected = {
            {5, 0, 0, 0x1.6b6b6b6b6b6b6p-2},
            {17, 0, 0, 0x1.f258bf258bf25p-2},
            {47, 0, 0, 0x1.a1d5083b6ea1ep-1},
            {63, 0, 0, 0x1.fbc895622efbcp-1},
            {64, 0x1.0101010101000p-8, 0x1.0101010101000p-8, 1},
            {99, 0x1.1b1b1b1b1b1b2p-1, 0x1.1b1b1b1b1b1b2p-1, 1},
            {127, 0x1.fbfbfbfbfbfc0p-1, 0x1.fbfbfbfbfbfc0p-1, 1},
            {128, 1, 0x1.fbfbfbfbfbfc0p-1, 0x1.fbfbfbfbfbfc0p-1},
            {150, 1, 0x1.4b4b4b4b4b4b4p-1, 0x1.4b4b4b4b4b4b4p-1},
            {191, 1, 0x1.0101010101000p-8, 0x1.0101010101000p-8},
            {192, 0x1.fcfcfcfcfcfd0p-1, 0, 0},
            {200, 0x1.dcdcdcdcdcdcep-1, 0, 0},
            {254, 0x1.0404040404040p-1, 0, 0}};
        for (double[] e : expected) {
            assertArrayEquals(new double[] {e[1], e[2], e[3]}, Colormap.SEISMIC.color((int) e[0]), 0.0,
                    "entry " + (int) e[0]);
        }
    }

    @Test
    void seismicCentreIsNotPureWhite() {
        // The documented value: R = 0 lands on index 128 = (1, 0.992157, 0.992157).
        assertArrayEquals(new double[] {1, 0.992157, 0.992157}, Colormap.SEISMIC.color(128), 5e-7);
        assertArrayEquals(new double[] {1, 253.0 / 255, 253.0 / 255}, Colormap.SEISMIC.color(128), 1e-15);
        assertEquals(128, RelevanceColoring.lutIndex(0f, Colormap.SEISMIC, true));
    }

    @Test
    void seismicIsMonotoneOnEachSegment() {
        Colormap s = Colormap.SEISMIC;
        for (int i = 1; i < 256; i++) {
            double[] a = s.color(i - 1);
            double[] b = s.color(i);
            if (i <= 63) {
                assertEquals(true, b[2] > a[2], "blue rises up to entry 63, at " + i);
            } else if (i <= 127) {
                assertEquals(true, b[0] > a[0] && b[1] > a[1], "red/green rise, at " + i);
            } else if (i > 128 && i <= 191) {
                assertEquals(true, b[1] < a[1], "green falls, at " + i);
            } else if (i > 192) {
                assertEquals(true, b[0] < a[0], "red falls, at " + i);
            }
        }
    }

    @Test
    void indexRules() {
        Colormap s = Colormap.SEISMIC;
        assertEquals(0, s.index(0.0));
        assertEquals(128, s.index(0.5));
        assertEquals(255, s.index(1.0));          // t = 1 is kept in range: N−1, not "over"
        assertEquals(255, s.index(0.999));
        assertEquals(0, s.index(-0.001));         // under → first entry
        assertEquals(0, s.index(Double.NEGATIVE_INFINITY));
        assertEquals(255, s.index(1.001));        // over → last entry
        assertEquals(255, s.index(Double.POSITIVE_INFINITY));
        assertEquals(-1, s.index(Double.NaN));    // bad
        assertEquals(127, s.index(127.999 / 256));
        assertEquals(128, s.index(128.0 / 256));
    }

    @Test
    void relevanceIndicesSymmetric() {
        Colormap s = Colormap.SEISMIC;
        assertEquals(0, RelevanceColoring.lutIndex(-1f, s, true));
        assertEquals(255, RelevanceColoring.lutIndex(1f, s, true));
        assertEquals(0, RelevanceColoring.lutIndex(-2f, s, true));     // t < 0
        assertEquals(255, RelevanceColoring.lutIndex(3f, s, true));    // t > 1
        assertEquals(-1, RelevanceColoring.lutIndex(Float.NaN, s, true));
        // t = (R + 1)/2 = 127/256 exactly at R = −1/128
        assertEquals(127, RelevanceColoring.lutIndex(-0.0078125f, s, true));
        assertEquals(126, RelevanceColoring.lutIndex(-0.0078126f, s, true));
        assertEquals(64, RelevanceColoring.lutIndex(-0.5f, s, true));
        assertEquals(192, RelevanceColoring.lutIndex(0.5f, s, true));
    }

    @Test
    void relevanceIndicesNonSymmetric() {
        Colormap s = Colormap.SEISMIC;
        assertEquals(0, RelevanceColoring.lutIndex(0f, s, false));
        assertEquals(128, RelevanceColoring.lutIndex(0.5f, s, false));
        assertEquals(255, RelevanceColoring.lutIndex(1f, s, false));
        assertEquals(255, RelevanceColoring.lutIndex(1.5f, s, false));
        assertEquals(0, RelevanceColoring.lutIndex(-0.1f, s, false));
    }

    @Test
    void relevanceToHeatmapColours() {
        float[] rgb = RelevanceColoring.relevanceToHeatmap(
                new float[] {-1f, 0f, 1f, Float.NaN, -5f, 5f, 0.5f}, Colormap.SEISMIC, true);
        float[] expected = {
            0f, 0f, 0.3f,
            1f, (float) (253.0 / 255), (float) (253.0 / 255),
            0.5f, 0f, 0f,
            0f, 0f, 0f,                     // NaN: bad colour, alpha dropped
            0f, 0f, 0.3f,                   // below −1: first entry, no clipping of the value needed
            0.5f, 0f, 0f,                   // above 1: last entry
            (float) (253.5 / 255), 0f, 0f}; // R = 0.5 → t = 0.75 → index 192
        assertArrayEquals(expected, rgb, 1e-7f);
        assertArrayEquals(rgb, RelevanceColoring.relevanceToHeatmap(
                new float[] {-1f, 0f, 1f, Float.NaN, -5f, 5f, 0.5f}), 0f, "defaults are seismic, symmetric");
    }

    @Test
    void bwrAndGray() {
        Colormap bwr = Colormap.BWR;
        assertEntry(bwr, 0, 0, 0, 1);
        assertEntry(bwr, 64, 128.0 / 255, 128.0 / 255, 1);    // (0,0,1)→(1,1,1) on [0, .5]: R = G = 2t
        assertEntry(bwr, 127, 254.0 / 255, 254.0 / 255, 1);
        assertEntry(bwr, 128, 1, 254.0 / 255, 254.0 / 255);   // G = B = 2 − 2t
        assertEntry(bwr, 255, 1, 0, 0);
        Colormap gray = Colormap.GRAY;
        for (int i = 0; i < 256; i++) {
            assertEntry(gray, i, i / 255.0, i / 255.0, i / 255.0);
        }
        assertSame(Colormap.SEISMIC, Colormap.byName("Seismic"));
        assertSame(Colormap.GRAY, Colormap.byName("grey"));
        assertSame(Colormap.BWR, Colormap.byName("bwr"));
        assertThrows(IllegalArgumentException.class, () -> Colormap.byName("jet"));
    }

    @Test
    void customColormapFollowsMatplotlibTable() {
        // Discontinuous segment data: jumps from 0.2 to 0.8 at x = 0.5.
        double[][] ch = {{0.0, 0.0, 0.0}, {0.5, 0.2, 0.8}, {1.0, 1.0, 1.0}};
        Colormap c = LinearSegmentedColormap.fromSegments("jump", ch, ch, ch, 5);
        // xind = 0, .25, .5, .75, 1: entry 2 is exactly at x = .5, searchsorted 'left' picks the left segment → y0.
        double[] expected = {0.0, 0.1, 0.2, 0.9, 1.0};
        for (int i = 0; i < 5; i++) {
            assertArrayEquals(new double[] {expected[i], expected[i], expected[i]}, c.color(i), 1e-15);
        }
        assertEquals(3, c.index(0.7)); // floor(0.7 · 5)
        assertThrows(IllegalArgumentException.class,
                () -> LinearSegmentedColormap.fromList("one", new double[][] {{0, 0, 0}}));
    }
}
