package io.signstream.engine.keras;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.PoolSpec;
import java.util.Arrays;

/**
 * Pooling (1-D and 2-D, max and average, global) and zero padding. All of them run on the channels-first copy of
 * their input.
 */
final class KerasSpatialLayers {

    private KerasSpatialLayers() {
    }

    /**
     * MaxPooling1D/2D and AveragePooling1D/2D. TensorFlow's {@code same} average pooling divides border windows by
     * the taps inside the input, hence {@code countIncludePad = false}; padded max-pool taps never win.
     */
    static KerasTensor pool(KerasLayer l, KerasTensor in, int rank, boolean max, KerasGraphBuilder b)
            throws ExplainException {
        requireChannelsLast(l, b);
        requireRank(l, in, rank, b);
        // Keras 1-D pooling calls its window pool_length in very old configs; pool_size everywhere since 2.0.
        int[] size = KerasJson.tuple(l, "pool_size", rank, twos(rank));
        int[] strides = KerasJson.tuple(l, "strides", rank, size);
        KerasPadding pad = KerasPadding.of(l, b.modelName(), KerasKernelLayers.spatial(in), size, strides, null);
        PoolSpec spec = new PoolSpec(size, strides, pad.begin(), pad.end());
        Layer layer = max ? new Layer.MaxPool(spec) : new Layer.AvgPool(spec, false);
        KerasTensor x = b.channelsFirst(in);
        String node = b.add(l.name(), layer, x.node());
        return new KerasTensor(node, KerasKernelLayers.withChannels(pad.outShape(), in.channels()), true);
    }

    /** GlobalAverage/MaxPooling1D/2D: (N, C, 1...) in the graph, then squeezed to (N, C) unless keepdims. */
    static KerasTensor globalPool(KerasLayer l, KerasTensor in, int rank, boolean max, KerasGraphBuilder b)
            throws ExplainException {
        requireChannelsLast(l, b);
        requireRank(l, in, rank, b);
        KerasTensor x = b.channelsFirst(in);
        String node = b.add(l.name(), new Layer.GlobalPool(max), x.node());
        if (KerasJson.bool(l.config(), "keepdims", false)) {
            long[] ones = new long[rank];
            Arrays.fill(ones, 1);
            return new KerasTensor(node, KerasKernelLayers.withChannels(ones, in.channels()), true);
        }
        String squeezed = b.add(l.name() + "/squeeze", new Layer.Flatten(1), node);
        return new KerasTensor(squeezed, new long[] {in.channels()}, false);
    }

    /** ZeroPadding1D/2D: {@code padding} is p, (a, b) or ((top, bottom), (left, right)). */
    static KerasTensor zeroPadding(KerasLayer l, KerasTensor in, int rank, KerasGraphBuilder b)
            throws ExplainException {
        requireChannelsLast(l, b);
        requireRank(l, in, rank, b);
        long[][] pads = zeroPads(l, rank, b);
        long[] all = new long[2 * (rank + 2)];
        long[] out = in.shape().clone();
        for (int i = 0; i < rank; i++) {
            all[2 + i] = pads[i][0];
            all[rank + 2 + 2 + i] = pads[i][1];
            out[i] += pads[i][0] + pads[i][1];
        }
        KerasTensor x = b.channelsFirst(in);
        String node = b.add(l.name(), new Layer.Pad(all, 0f), x.node());
        return new KerasTensor(node, out, true);
    }

    private static long[][] zeroPads(KerasLayer l, int rank, KerasGraphBuilder b) throws ExplainException {
        var e = l.config().get("padding");
        long[][] pads = new long[rank][2];
        try {
            if (e == null || e.isJsonNull()) {
                for (long[] p : pads) {
                    Arrays.fill(p, 1);
                }
            } else if (e.isJsonPrimitive()) {
                for (long[] p : pads) {
                    Arrays.fill(p, e.getAsLong());
                }
            } else if (rank == 1) {
                pads[0][0] = e.getAsJsonArray().get(0).getAsLong();
                pads[0][1] = e.getAsJsonArray().get(1).getAsLong();
            } else {
                for (int i = 0; i < rank; i++) {
                    var axis = e.getAsJsonArray().get(i);
                    if (axis.isJsonPrimitive()) {
                        Arrays.fill(pads[i], axis.getAsLong());
                    } else {
                        pads[i][0] = axis.getAsJsonArray().get(0).getAsLong();
                        pads[i][1] = axis.getAsJsonArray().get(1).getAsLong();
                    }
                }
            }
        } catch (RuntimeException ex) {
            throw new ExplainException(Kind.CORRUPT_MODEL, b.modelName() + ": " + l.describe() + " has padding "
                    + e + ", not p, (a, b) or ((top, bottom), (left, right))");
        }
        for (long[] p : pads) {
            if (p[0] < 0 || p[1] < 0) {
                throw new ExplainException(Kind.CORRUPT_MODEL, b.modelName() + ": " + l.describe()
                        + " has a negative padding " + e);
            }
        }
        return pads;
    }

    static void requireChannelsLast(KerasLayer l, KerasGraphBuilder b) throws ExplainException {
        String format = KerasJson.string(l.config(), "data_format", "channels_last");
        if (!format.equals("channels_last")) {
            throw new ExplainException(Kind.UNSUPPORTED_MODEL, b.modelName() + ": " + l.describe()
                    + " uses data_format " + format + "; only channels_last models are supported");
        }
    }

    /** A {@code rank}-D layer reads (N, spatial × rank, C). */
    static void requireRank(KerasLayer l, KerasTensor in, int rank, KerasGraphBuilder b) throws ExplainException {
        if (in.sampleRank() != rank + 1) {
            throw new ExplainException(Kind.CORRUPT_MODEL, b.modelName() + ": " + l.describe() + " expects a "
                    + (rank + 2) + "-D input but receives " + in.describeShape());
        }
    }

    private static int[] twos(int rank) {
        int[] t = new int[rank];
        Arrays.fill(t, 2);
        return t;
    }
}
