package io.signstream.engine.viz;

import io.signstream.engine.npy.NpyArray;

/**
 * Sums a relevance map over its channel axis, giving one value per pixel: {@code (N, C, H, W)} (channels
 * first, PyTorch/ONNX) or {@code (N, H, W, C)} (channels last, Keras) to {@code (N, H, W)}.
 *
 * <p>The sum runs in float32 in channel order, which is what NumPy does for {@code sum(axis=1)} on NCHW and,
 * for fewer than 8 channels, for {@code sum(axis=-1)} on NHWC (from 8 channels on NumPy switches to pairwise
 * summation over a contiguous last axis and may differ in the last bit). Both layouts therefore give
 * identical results here, which is what a cross-framework comparison needs.
 *
 * <pre>{@code
 * NpyArray r = NpyFile.read(Path.of("relevance.npy"));              // (1, 3, 224, 224)
 * NpyArray perPixel = ChannelAggregation.sumChannels(r, true);       // (1, 224, 224)
 * }</pre>
 */
public final class ChannelAggregation {

    private ChannelAggregation() {
    }

    /**
     * Sums a rank-4 map over axis 1 ({@code channelsFirst}) or axis 3.
     *
     * @return an {@code (N, H, W)} array
     */
    public static NpyArray sumChannels(NpyArray map, boolean channelsFirst) {
        if (map.rank() != 4) {
            throw new IllegalArgumentException("expected a rank-4 (N, C, H, W) or (N, H, W, C) map, got " + map);
        }
        long[] s = map.shape();
        int n = Math.toIntExact(s[0]);
        int c = Math.toIntExact(channelsFirst ? s[1] : s[3]);
        int h = Math.toIntExact(channelsFirst ? s[2] : s[1]);
        int w = Math.toIntExact(channelsFirst ? s[3] : s[2]);
        int sample = c * h * w;
        float[] out = new float[n * h * w];
        float[] one = new float[sample];
        for (int i = 0; i < n; i++) {
            System.arraycopy(map.data(), i * sample, one, 0, sample);
            float[] summed = channelsFirst ? sumChannelsFirst(one, c, h, w) : sumChannelsLast(one, h, w, c);
            System.arraycopy(summed, 0, out, i * h * w, h * w);
        }
        return new NpyArray(out, new long[] {n, h, w});
    }

    /** One {@code (C, H, W)} sample to {@code (H, W)}. */
    public static float[] sumChannelsFirst(float[] chw, int c, int h, int w) {
        checkLength(chw, c, h, w);
        int plane = h * w;
        float[] out = new float[plane];
        for (int ch = 0; ch < c; ch++) {
            int base = ch * plane;
            for (int p = 0; p < plane; p++) {
                out[p] += chw[base + p];
            }
        }
        return out;
    }

    /** One {@code (H, W, C)} sample to {@code (H, W)}; {@code aggregate_and_normalize_relevancemap_rgb}'s axis-2 sum. */
    public static float[] sumChannelsLast(float[] hwc, int h, int w, int c) {
        checkLength(hwc, c, h, w);
        int plane = h * w;
        float[] out = new float[plane];
        for (int p = 0; p < plane; p++) {
            float acc = 0f;
            for (int ch = 0; ch < c; ch++) {
                acc += hwc[p * c + ch];
            }
            out[p] = acc;
        }
        return out;
    }

    /**
     * {@code aggregate_and_normalize_relevancemap_rgb} applied per sample: sum over channels, then
     * {@link HeatmapNormalization#normalizeHeatmap(float[])} on each {@code (H, W)} map separately. The Python
     * original sums only channels-last maps (axis 2 of one sample) and, given a batch, normalises the whole
     * batch at once; normalising each sample on its own is what a per-image plot needs.
     *
     * @return an {@code (N, H, W)} array with values in [−1, 1]
     */
    public static NpyArray aggregateAndNormalize(NpyArray map, boolean channelsFirst) {
        NpyArray summed = sumChannels(map, channelsFirst);
        long[] s = summed.shape();
        int plane = Math.toIntExact(s[1] * s[2]);
        float[] out = new float[summed.data().length];
        float[] one = new float[plane];
        for (int i = 0; i < s[0]; i++) {
            System.arraycopy(summed.data(), i * plane, one, 0, plane);
            System.arraycopy(HeatmapNormalization.normalizeHeatmap(one), 0, out, i * plane, plane);
        }
        return new NpyArray(out, s.clone());
    }

    private static void checkLength(float[] data, int c, int h, int w) {
        if (data.length != (long) c * h * w) {
            throw new IllegalArgumentException(
                    data.length + " values cannot form " + c + " channels of " + h + "x" + w);
        }
    }
}
