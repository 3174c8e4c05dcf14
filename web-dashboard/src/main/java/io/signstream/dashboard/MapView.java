package io.signstream.dashboard;

import io.signstream.dashboard.messages.ExplanationMessage;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Base64;

/**
 * What a browser needs to draw one map, bounded in size: the input and the relevance (summed over channels, as
 * SignXAI aggregates maps) brought to channels-first order, downsampled past the configured caps, and quantised
 * to 8 bits (base64). The colours only need 8 bits (the seismic table has 256 entries); the exact raw range
 * travels beside it in the frame.
 *
 * <p>Three kinds: {@code image} (rank 4: grey or RGB picture with the map over it), {@code series} (rank 3: one
 * line per channel over a relevance strip) and {@code bars} (rank 2, and anything else flattened: one bar per
 * feature coloured by its relevance).
 */
final class MapView {

    /** Lines drawn for a multi-channel series; the relevance strip still sums over all channels. */
    static final int MAX_LINES = 8;

    private MapView() {
    }

    static JsonObject of(ExplanationMessage m, int maxSide, int maxSeries) {
        int rank = m.inputShape().length;
        if (rank == 4) {
            return image(ChannelsFirst.of(m.input(), m.inputShape(), m.layout()),
                    ChannelsFirst.of(m.relevance(), m.inputShape(), m.layout()), maxSide);
        }
        if (rank == 3) {
            return series(ChannelsFirst.of(m.input(), m.inputShape(), m.layout()),
                    ChannelsFirst.of(m.relevance(), m.inputShape(), m.layout()), maxSeries);
        }
        return bars(m.input(), m.relevance(), maxSide);
    }

    private static JsonObject image(ChannelsFirst in, ChannelsFirst rel, int maxSide) {
        int h = in.spatial()[0];
        int w = in.spatial()[1];
        int fy = Resample.ceilDiv(h, maxSide);
        int fx = Resample.ceilDiv(w, maxSide);
        // 3 or 4 channels read as RGB(A); anything else (1, 2, 5+) is shown as the grey mean of its channels.
        float[][] planes;
        if (in.channels() == 3 || in.channels() == 4) {
            planes = new float[][]{in.plane(0), in.plane(1), in.plane(2)};
        } else {
            float[] sum = in.sumOverChannels();
            for (int i = 0; i < sum.length; i++) {
                sum[i] /= in.channels();
            }
            planes = new float[][]{sum};
        }
        for (int c = 0; c < planes.length; c++) {
            planes[c] = Resample.blockMean(planes[c], h, w, fy, fx);
        }
        float[] relevance = Resample.blockMean(rel.sumOverChannels(), h, w, fy, fx);
        double[] range = Resample.range(planes);
        byte[] pixels = new byte[planes.length * planes[0].length];
        for (int c = 0; c < planes.length; c++) {
            byte[] q = Resample.unsigned8(planes[c], range[0], range[1]);
            System.arraycopy(q, 0, pixels, c * q.length, q.length);
        }
        return base("image", relevance, range, pixels)
                .put("channels", planes.length)
                .put("height", Resample.ceilDiv(h, fy)).put("width", Resample.ceilDiv(w, fx))
                .put("downsample", fy * fx > 1 ? new JsonArray().add(fy).add(fx) : null);
    }

    private static JsonObject series(ChannelsFirst in, ChannelsFirst rel, int maxSeries) {
        int length = in.spatial()[0];
        int f = Resample.ceilDiv(length, maxSeries);
        int lines = Math.min(in.channels(), MAX_LINES);
        float[][] planes = new float[lines][];
        for (int c = 0; c < lines; c++) {
            planes[c] = Resample.blockMean(in.plane(c), 1, length, 1, f);
        }
        float[] relevance = Resample.blockMean(rel.sumOverChannels(), 1, length, 1, f);
        double[] range = Resample.range(planes);
        int n = planes[0].length;
        byte[] values = new byte[lines * n];
        for (int c = 0; c < lines; c++) {
            System.arraycopy(Resample.unsigned8(planes[c], range[0], range[1]), 0, values, c * n, n);
        }
        return base("series", relevance, range, values)
                .put("channels", lines).put("totalChannels", in.channels()).put("length", n)
                .put("downsample", f > 1 ? f : null);
    }

    private static JsonObject bars(float[] input, float[] rel, int maxBars) {
        int f = Resample.ceilDiv(input.length, maxBars);
        float[] values = Resample.blockMean(input, 1, input.length, 1, f);
        float[] relevance = Resample.blockMean(rel, 1, rel.length, 1, f);
        double scale = Resample.maxAbs(values);
        // Bars keep their sign around a zero baseline, so the input is quantised symmetrically.
        return base("bars", relevance, Resample.range(values), Resample.signed8(values, scale))
                .put("inputMaxAbs", scale).put("length", values.length)
                .put("downsample", f > 1 ? f : null);
    }

    private static JsonObject base(String kind, float[] relevance, double[] inputRange, byte[] input) {
        double scale = Resample.maxAbs(relevance);
        Base64.Encoder b64 = Base64.getEncoder();
        return new JsonObject().put("kind", kind)
                .put("input", b64.encodeToString(input))
                .put("inputMin", inputRange[0]).put("inputMax", inputRange[1])
                .put("relevance", b64.encodeToString(Resample.signed8(relevance, scale)))
                .put("relevanceMaxAbs", scale);
    }
}
