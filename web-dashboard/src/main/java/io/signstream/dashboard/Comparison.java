package io.signstream.dashboard;

import io.signstream.dashboard.messages.ExplanationMessage;

/**
 * The maps of one event and method from two engines, with how well they agree. The figures are taken over the
 * raw, full-resolution maps in channels-first order (so an NCHW PyTorch map and an NHWC TensorFlow map of the same
 * input are compared element by element), not over what the browser draws.
 *
 * @param left       the map of the engine whose name sorts first (pytorch)
 * @param right      the other engine's map (tensorflow)
 * @param pearson    Pearson correlation, NaN when a map is constant or the shapes differ
 * @param maxAbsDiff largest absolute difference, NaN when the shapes differ
 * @param problem    why no figures could be computed, or {@code null}
 */
record Comparison(ExplanationMessage left, ExplanationMessage right, double pearson, double maxAbsDiff,
                  String problem) {

    static Comparison of(ExplanationMessage a, ExplanationMessage b) {
        ExplanationMessage left = a.engine().compareTo(b.engine()) <= 0 ? a : b;
        ExplanationMessage right = left == a ? b : a;
        ChannelsFirst x = ChannelsFirst.of(left.relevance(), left.inputShape(), left.layout());
        ChannelsFirst y = ChannelsFirst.of(right.relevance(), right.inputShape(), right.layout());
        if (!x.sameShape(y)) {
            return new Comparison(left, right, Double.NaN, Double.NaN, "shapes differ: "
                    + java.util.Arrays.toString(left.inputShape()) + " " + left.layout() + " vs "
                    + java.util.Arrays.toString(right.inputShape()) + " " + right.layout());
        }
        return new Comparison(left, right, pearson(x.data(), y.data()), maxAbsDiff(x.data(), y.data()), null);
    }

    static double pearson(float[] x, float[] y) {
        int n = x.length;
        double mx = 0;
        double my = 0;
        for (int i = 0; i < n; i++) {
            mx += x[i];
            my += y[i];
        }
        mx /= n;
        my /= n;
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < n; i++) {
            double dx = x[i] - mx;
            double dy = y[i] - my;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : Double.NaN;
    }

    static double maxAbsDiff(float[] x, float[] y) {
        double m = 0;
        for (int i = 0; i < x.length; i++) {
            double d = Math.abs((double) x[i] - y[i]);
            if (d > m || Double.isNaN(d)) {
                m = d;
            }
        }
        return m;
    }
}
