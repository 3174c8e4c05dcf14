package io.signstream.engine.viz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.signstream.engine.npy.NpyArray;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HeatmapChannelAggregationTest {

    /** (N, C, H, W) → (N, H, W, C). */
    static NpyArray toNhwc(NpyArray nchw) {
        long[] s = nchw.shape();
        int n = (int) s[0], c = (int) s[1], h = (int) s[2], w = (int) s[3];
        float[] out = new float[nchw.data().length];
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        out[((b * h + y) * w + x) * c + ch] = nchw.data()[((b * c + ch) * h + y) * w + x];
                    }
                }
            }
        }
        return new NpyArray(out, new long[] {n, h, w, c});
    }

    static NpyArray random(long seed, int... shape) {
        Random rnd = new Random(seed);
        long[] s = new long[shape.length];
        int size = 1;
        for (int i = 0; i < shape.length; i++) {
            s[i] = shape[i];
            size *= shape[i];
        }
        float[] d = new float[size];
        for (int i = 0; i < size; i++) {
            d[i] = (float) rnd.nextGaussian();
        }
        return new NpyArray(d, s);
    }

    @Test
    void smallSumByHand() {
        // one sample, 2 channels of 1x2
        NpyArray nchw = new NpyArray(new float[] {1f, 2f, 10f, 20f}, new long[] {1, 2, 1, 2});
        NpyArray sum = ChannelAggregation.sumChannels(nchw, true);
        assertArrayEquals(new long[] {1, 1, 2}, sum.shape());
        assertArrayEquals(new float[] {11f, 22f}, sum.data(), 0f);
        NpyArray nhwc = new NpyArray(new float[] {1f, 10f, 2f, 20f}, new long[] {1, 1, 2, 2});
        assertArrayEquals(new float[] {11f, 22f}, ChannelAggregation.sumChannels(nhwc, false).data(), 0f);
    }

    @Test
    void nchwAndNhwcAgreeExactly() {
        for (int c : new int[] {1, 3, 8, 17}) {
            NpyArray nchw = random(c, 2, c, 5, 7);
            NpyArray nhwc = toNhwc(nchw);
            NpyArray a = ChannelAggregation.sumChannels(nchw, true);
            NpyArray b = ChannelAggregation.sumChannels(nhwc, false);
            assertArrayEquals(new long[] {2, 5, 7}, a.shape());
            assertArrayEquals(a.shape(), b.shape());
            assertArrayEquals(a.data(), b.data(), 0f, "C=" + c);
        }
    }

    @Test
    void aggregateAndNormalizePerSample() {
        // sample 0 sums to {2, -4}, sample 1 to {100, 50}: normalised independently
        NpyArray nhwc = new NpyArray(new float[] {1f, 1f, -4f, 0f, 60f, 40f, 25f, 25f}, new long[] {2, 1, 2, 2});
        NpyArray out = ChannelAggregation.aggregateAndNormalize(nhwc, false);
        assertArrayEquals(new long[] {2, 1, 2}, out.shape());
        assertArrayEquals(new float[] {0.5f, -1f, 1f, 0.5f}, out.data(), 0f);
    }

    @Test
    void rejectsOtherRanks() {
        assertThrows(IllegalArgumentException.class,
                () -> ChannelAggregation.sumChannels(new NpyArray(new float[6], new long[] {1, 2, 3}), true));
        assertThrows(IllegalArgumentException.class,
                () -> ChannelAggregation.sumChannelsFirst(new float[5], 2, 1, 2));
    }
}
