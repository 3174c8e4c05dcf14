package io.signstream.engine.viz;

import java.util.List;
import java.util.Locale;

/**
 * A lookup-table colormap with matplotlib's indexing rules, so that a value maps to exactly the entry
 * matplotlib would pick.
 *
 * <p>A value {@code t} (already normalised, nominally in [0, 1]) selects entry {@code floor(t·N)}; {@code t = 1}
 * selects the last entry, {@code t < 0} the first ("under"), {@code t > 1} the last ("over"), and NaN the
 * "bad" colour, which for matplotlib's built-in maps is transparent black, i.e. (0, 0, 0) once alpha is dropped.
 *
 * <p>Built-in maps, all with 256 entries like matplotlib's ({@code rcParams['image.lut']}):
 * <ul>
 *   <li>{@link #SEISMIC}: (0,0,0.3) → (0,0,1) → (1,1,1) → (1,0,0) → (0.5,0,0) at t = 0, .25, .5, .75, 1. The
 *       map of SignXAI's plots. Its centre entry 128 is (1, 0.992157, 0.992157), not pure white.</li>
 *   <li>{@link #BWR}: (0,0,1) → (1,1,1) → (1,0,0) at t = 0, .5, 1.</li>
 *   <li>{@link #GRAY}: black → white.</li>
 * </ul>
 *
 * <pre>{@code
 * double[] white = Colormap.SEISMIC.color(128);          // {1.0, 0.99215686, 0.99215686}
 * int i = Colormap.SEISMIC.index(0.5);                   // 128
 * Colormap custom = LinearSegmentedColormap.fromList("wr", new double[][] {{1, 1, 1}, {1, 0, 0}});
 * }</pre>
 */
public interface Colormap {

    /** matplotlib's {@code seismic}, exact. */
    Colormap SEISMIC = LinearSegmentedColormap.fromList("seismic", new double[][] {
        {0.0, 0.0, 0.3}, {0.0, 0.0, 1.0}, {1.0, 1.0, 1.0}, {1.0, 0.0, 0.0}, {0.5, 0.0, 0.0}});

    /** matplotlib's {@code bwr}, exact. */
    Colormap BWR = LinearSegmentedColormap.fromList("bwr", new double[][] {
        {0.0, 0.0, 1.0}, {1.0, 1.0, 1.0}, {1.0, 0.0, 0.0}});

    /** matplotlib's {@code gray}, exact: entry i is {@code linspace(0, 1, 256)[i]} in all three channels. */
    Colormap GRAY = LinearSegmentedColormap.fromList("gray", new double[][] {{0.0, 0.0, 0.0}, {1.0, 1.0, 1.0}});

    /** The name matplotlib uses. */
    String name();

    /** Number of lookup-table entries. */
    int size();

    /** Entry {@code i} as {@code {r, g, b}} in [0, 1] (float64, as matplotlib stores it); a new array. */
    double[] color(int i);

    /**
     * The entry matplotlib's {@code Colormap.__call__} picks for a float {@code t}: {@code floor(t·N)}, with
     * t = 1 → N−1, t &lt; 0 → 0, t &gt; 1 (and +∞) → N−1; −1 for NaN (the "bad" colour).
     */
    default int index(double t) {
        if (Double.isNaN(t)) {
            return -1;
        }
        int n = size();
        double x = t * n;
        if (x < 0) {
            return 0;
        }
        if (x >= n) {
            return n - 1; // covers t = 1 (x == N, kept in range by matplotlib) and t > 1 ("over")
        }
        return (int) x;
    }

    /** Writes the colour of {@code t} to {@code out[offset..offset+2]} as floats; NaN gives (0, 0, 0). */
    default void colorAt(double t, float[] out, int offset) {
        int i = index(t);
        if (i < 0) {
            out[offset] = 0f;
            out[offset + 1] = 0f;
            out[offset + 2] = 0f;
            return;
        }
        double[] c = color(i);
        out[offset] = (float) c[0];
        out[offset + 1] = (float) c[1];
        out[offset + 2] = (float) c[2];
    }

    /** The built-in maps. */
    static List<Colormap> builtIns() {
        return List.of(SEISMIC, BWR, GRAY);
    }

    /**
     * A built-in map by matplotlib name ({@code "seismic"}, {@code "bwr"}, {@code "gray"}/{@code "grey"}), case
     * ignored.
     *
     * @throws IllegalArgumentException for other names
     */
    static Colormap byName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.equals("grey")) {
            n = "gray";
        }
        for (Colormap c : builtIns()) {
            if (c.name().equals(n)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown colormap '" + name + "'; known: seismic, bwr, gray");
    }
}
