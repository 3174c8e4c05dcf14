package io.signstream.dashboard;

/** Area-average downsampling and 8-bit quantisation: what keeps frames to browsers small. */
final class Resample {

    private Resample() {
    }

    /**
     * Averages blocks of {@code fy × fx} values (partial blocks at the border average what they hold).
     *
     * @return the plane of size {@code ceil(h/fy) × ceil(w/fx)}
     */
    static float[] blockMean(float[] plane, int h, int w, int fy, int fx) {
        if (fy == 1 && fx == 1) {
            return plane;
        }
        int oh = ceilDiv(h, fy);
        int ow = ceilDiv(w, fx);
        double[] sums = new double[oh * ow];
        int[] counts = new int[oh * ow];
        for (int y = 0; y < h; y++) {
            int row = (y / fy) * ow;
            for (int x = 0; x < w; x++) {
                int o = row + x / fx;
                sums[o] += plane[y * w + x];
                counts[o]++;
            }
        }
        float[] out = new float[oh * ow];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (sums[i] / counts[i]);
        }
        return out;
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /** Maps [lo, hi] linearly to 0..255 (a constant plane becomes mid grey); NaN becomes 0. */
    static byte[] unsigned8(float[] values, double lo, double hi) {
        byte[] out = new byte[values.length];
        double span = hi - lo;
        for (int i = 0; i < values.length; i++) {
            double v = span > 0 ? (values[i] - lo) / span * 255.0 : 128.0;
            out[i] = (byte) (Double.isNaN(v) ? 0 : (int) Math.round(Math.max(0, Math.min(255, v))));
        }
        return out;
    }

    /** Maps [-scale, scale] linearly to -127..127 (symmetric, so 0 stays 0); NaN or a zero scale give 0. */
    static byte[] signed8(float[] values, double scale) {
        byte[] out = new byte[values.length];
        if (!(scale > 0)) {
            return out;
        }
        for (int i = 0; i < values.length; i++) {
            double v = Math.min(127, Math.abs(values[i]) / scale * 127.0);
            // Rounded half away from zero, so that +x and -x get the same magnitude.
            int q = Double.isNaN(v) ? 0 : (int) Math.round(v);
            out[i] = (byte) (values[i] < 0 ? -q : q);
        }
        return out;
    }

    static double maxAbs(float[] values) {
        double m = 0;
        for (float v : values) {
            if (Math.abs(v) > m) {
                m = Math.abs(v);
            }
        }
        return m;
    }

    /** @return {min, max} ignoring NaN; {0, 0} when nothing is finite */
    static double[] range(float[]... planes) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (float[] plane : planes) {
            for (float v : plane) {
                if (v < lo) {
                    lo = v;
                }
                if (v > hi) {
                    hi = v;
                }
            }
        }
        return lo <= hi ? new double[]{lo, hi} : new double[]{0, 0};
    }
}
