package io.signstream.engine.viz;

/**
 * A colormap built the way matplotlib's {@code LinearSegmentedColormap} builds its lookup table
 * ({@code matplotlib.colors._create_lookup_table}, gamma 1), so that the entries equal matplotlib's float64
 * values bit for bit.
 *
 * <p>For each channel the segment data is a list of rows {@code (x, y0, y1)} with x rising from 0 to 1; y0 is
 * the value just left of x and y1 just right of it (equal for continuous maps). The table has N entries at
 * {@code xind = linspace(0, 1, N)} (NumPy's {@code i·(1/(N−1))}, last exactly 1); entry 0 is {@code y1[0]},
 * entry N−1 is {@code y0[last]}, and an interior entry with {@code x[k−1] < xind ≤ x[k]} is
 * {@code (xind − x[k−1]) / (x[k] − x[k−1]) · (y0[k] − y1[k−1]) + y1[k−1]}, clipped to [0, 1].
 *
 * <pre>{@code
 * Colormap redWhite = LinearSegmentedColormap.fromList("rw", new double[][] {{1, 0, 0}, {1, 1, 1}});
 * double[] mid = redWhite.color(128);
 * }</pre>
 */
public final class LinearSegmentedColormap implements Colormap {

    /** matplotlib's default table size. */
    public static final int DEFAULT_SIZE = 256;

    private final String name;
    private final double[][] lut; // [N][3]

    private LinearSegmentedColormap(String name, double[][] lut) {
        this.name = name;
        this.lut = lut;
    }

    /**
     * {@code LinearSegmentedColormap.from_list(name, colors, 256)}: the colours equally spaced at
     * {@code linspace(0, 1, len(colors))}.
     *
     * @param colors at least two {@code {r, g, b}} rows in [0, 1]
     */
    public static LinearSegmentedColormap fromList(String name, double[][] colors) {
        return fromList(name, colors, DEFAULT_SIZE);
    }

    /** {@link #fromList(String, double[][])} with {@code n} entries. */
    public static LinearSegmentedColormap fromList(String name, double[][] colors, int n) {
        if (colors.length < 2) {
            throw new IllegalArgumentException("a colormap needs at least two colours");
        }
        double[] positions = linspace(colors.length);
        double[][][] segments = new double[3][colors.length][];
        for (int k = 0; k < colors.length; k++) {
            if (colors[k].length != 3) {
                throw new IllegalArgumentException("colour " + k + " must have 3 components");
            }
            for (int ch = 0; ch < 3; ch++) {
                segments[ch][k] = new double[] {positions[k], colors[k][ch], colors[k][ch]};
            }
        }
        return fromSegments(name, segments[0], segments[1], segments[2], n);
    }

    /**
     * matplotlib's {@code LinearSegmentedColormap(name, segmentdata, n)} from per-channel rows
     * {@code {x, y0, y1}}.
     */
    public static LinearSegmentedColormap fromSegments(
            String name, double[][] red, double[][] green, double[][] blue, int n) {
        if (n < 2) {
            throw new IllegalArgumentException("a lookup table needs at least 2 entries, got " + n);
        }
        double[][] channels = {table(red, n), table(green, n), table(blue, n)};
        double[][] lut = new double[n][3];
        for (int i = 0; i < n; i++) {
            for (int ch = 0; ch < 3; ch++) {
                lut[i][ch] = channels[ch][i];
            }
        }
        return new LinearSegmentedColormap(name, lut);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int size() {
        return lut.length;
    }

    @Override
    public double[] color(int i) {
        return lut[i].clone();
    }

    @Override
    public String toString() {
        return "Colormap[" + name + ", " + lut.length + "]";
    }

    /** One channel of {@code _create_lookup_table(N, data, gamma=1)}. */
    private static double[] table(double[][] data, int n) {
        int m = data.length;
        if (m < 2 || data[0][0] != 0.0 || data[m - 1][0] != 1.0) {
            throw new IllegalArgumentException("segment data must start at x = 0 and end at x = 1");
        }
        double[] x = new double[m];
        for (int k = 0; k < m; k++) {
            if (data[k].length != 3) {
                throw new IllegalArgumentException("segment rows are {x, y0, y1}");
            }
            x[k] = data[k][0];
            if (k > 0 && x[k] < x[k - 1]) {
                throw new IllegalArgumentException("segment x must be non-decreasing");
            }
        }
        double[] xind = linspace(n);
        double[] out = new double[n];
        out[0] = data[0][2];
        out[n - 1] = data[m - 1][1];
        for (int i = 1; i < n - 1; i++) {
            int k = searchSortedLeft(x, xind[i]);
            double distance = (xind[i] - x[k - 1]) / (x[k] - x[k - 1]);
            out[i] = distance * (data[k][1] - data[k - 1][2]) + data[k - 1][2];
        }
        for (int i = 0; i < n; i++) {
            out[i] = Math.min(1.0, Math.max(0.0, out[i]));
        }
        return out;
    }

    /** NumPy's {@code linspace(0, 1, n)}: {@code i * (1/(n-1))}, the last value set to exactly 1. */
    private static double[] linspace(int n) {
        double step = 1.0 / (n - 1);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = i * step;
        }
        v[n - 1] = 1.0;
        return v;
    }

    /** {@code np.searchsorted(x, v, side='left')}: the first k with {@code x[k] >= v}. */
    private static int searchSortedLeft(double[] x, double v) {
        int lo = 0;
        int hi = x.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (x[mid] < v) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
