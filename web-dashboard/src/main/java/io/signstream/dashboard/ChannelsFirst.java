package io.signstream.dashboard;

/**
 * A tensor of a batch of one brought to channels-first order, whatever layout the engine produced: PyTorch maps
 * come as NCHW/NCT and TensorFlow maps as NHWC/NTC, and both the picture and the cross-engine comparison need one
 * order. Public because the stream app's monitoring compares the two engines' maps the same way.
 *
 * @param channels number of channels (1 for NC inputs, whose features form the one spatial axis)
 * @param spatial  spatial sizes, e.g. {H, W} or {T}
 * @param data     values, {@code data[c * spatialSize + s]}
 */
public record ChannelsFirst(int channels, int[] spatial, float[] data) {

    /** Brings one sample ({@code shape[0] == 1}) in {@code layout} (one letter per axis) to channels-first order. */
    public static ChannelsFirst of(float[] data, long[] shape, String layout) {
        int rank = shape.length;
        if (rank == 2) {
            return new ChannelsFirst(1, new int[]{(int) shape[1]}, data);
        }
        boolean channelsLast = layout.charAt(rank - 1) == 'C';
        int channels = (int) (channelsLast ? shape[rank - 1] : shape[1]);
        int[] spatial = new int[rank - 2];
        for (int i = 0; i < spatial.length; i++) {
            spatial[i] = (int) shape[channelsLast ? i + 1 : i + 2];
        }
        if (!channelsLast || channels == 1) {
            return new ChannelsFirst(channels, spatial, data);
        }
        int size = data.length / channels;
        float[] out = new float[data.length];
        for (int s = 0; s < size; s++) {
            for (int c = 0; c < channels; c++) {
                out[c * size + s] = data[s * channels + c];
            }
        }
        return new ChannelsFirst(channels, spatial, out);
    }

    int spatialSize() {
        return data.length / channels;
    }

    /** @return the sum over channels, one value per spatial position (how relevance maps are aggregated) */
    float[] sumOverChannels() {
        int size = spatialSize();
        float[] out = new float[size];
        for (int c = 0; c < channels; c++) {
            for (int s = 0; s < size; s++) {
                out[s] += data[c * size + s];
            }
        }
        return out;
    }

    /** @return one channel's plane (a copy-free view is not worth it: planes are small after the size caps) */
    float[] plane(int channel) {
        int size = spatialSize();
        float[] out = new float[size];
        System.arraycopy(data, channel * size, out, 0, size);
        return out;
    }

    /** @return whether both tensors have the same channels and spatial sizes */
    boolean sameShape(ChannelsFirst other) {
        return channels == other.channels && java.util.Arrays.equals(spatial, other.spatial);
    }
}
