package io.signstream.engine.cli;

import io.signstream.engine.npy.NpyArray;

/** Repeats a single-channel map over the input's channels (Grad-CAM maps are (N, 1, H, W)). */
final class Broadcast {

    private Broadcast() {
    }

    static NpyArray overChannels(NpyArray map, long[] inputShape, boolean channelsFirst) {
        int n = (int) inputShape[0];
        int channels = (int) (channelsFirst ? inputShape[1] : inputShape[inputShape.length - 1]);
        int plane = map.data().length / n;
        float[] out = new float[plane * channels * n];
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < plane; p++) {
                float v = map.data()[i * plane + p];
                for (int c = 0; c < channels; c++) {
                    int index = channelsFirst ? (i * channels + c) * plane + p : (i * plane + p) * channels + c;
                    out[index] = v;
                }
            }
        }
        return new NpyArray(out, inputShape.clone());
    }
}
