package io.signstream.dashboard;

/** Reference 'seismic' table, straight from METHODS.md §4, to check the page's colours against. */
final class Seismic {

    private static final double[][] ANCHORS = {{0, 0, 0.3}, {0, 0, 1}, {1, 1, 1}, {1, 0, 0}, {0.5, 0, 0}};

    private Seismic() {
    }

    /** @return RGB bytes of LUT entry i (of 256, sampled at linspace(0, 1, 256)) */
    static int[] entry(int i) {
        double x = i / 255.0 * 4;
        int k = Math.min(3, (int) Math.floor(x));
        double f = x - k;
        int[] rgb = new int[3];
        for (int c = 0; c < 3; c++) {
            rgb[c] = (int) Math.round((ANCHORS[k][c] + f * (ANCHORS[k + 1][c] - ANCHORS[k][c])) * 255);
        }
        return rgb;
    }

    /** @return LUT index of a value normalised to [-1, 1]: floor(t·256), t = (r+1)/2, t = 1 → 255 */
    static int index(double r) {
        return Math.max(0, Math.min(255, (int) Math.floor((r + 1) / 2 * 256)));
    }
}
