package io.signstream.engine.cli;

import io.signstream.engine.graph.TensorLayout;
import io.signstream.engine.npy.NpyArray;
import java.util.Locale;

/**
 * Channels-first ↔ channels-last conversion of inputs and relevance maps (batch first), for commands that feed
 * one input array to models of different layouts ({@code compare} of a Keras model with its ONNX export,
 * {@code convert}'s read-back check of a transposed input). A rank-2 array (features) has no channel axis to move
 * and is returned as it is.
 */
final class MapLayouts {

    private MapLayouts() {
    }

    /**
     * Parses a {@code --layout} value: a {@link TensorLayout} name ({@code NCHW}, {@code NHWC}, {@code NCT},
     * {@code NTC}, {@code NC}) or {@code channels_first} / {@code channels_last} ({@code first} / {@code last}).
     *
     * @return true for channels-first
     */
    static boolean channelsFirst(String text) throws CliArgs.UsageException {
        String t = text.trim().toLowerCase(Locale.ROOT).replace('-', '_');
        switch (t) {
            case "channels_first", "first", "nchw", "nct", "nc":
                return true;
            case "channels_last", "last", "nhwc", "ntc":
                return false;
            default:
                throw new CliArgs.UsageException("unknown layout '" + text
                        + "' (use NCHW, NHWC, NCT, NTC, NC, channels_first or channels_last)");
        }
    }

    /** The layout's name for an array of the given rank (batch included): NCHW / NHWC, NCT / NTC, NC. */
    static String name(boolean channelsFirst, int rank) {
        return switch (rank) {
            case 4 -> channelsFirst ? "NCHW" : "NHWC";
            case 3 -> channelsFirst ? "NCT" : "NTC";
            case 2 -> "NC";
            default -> channelsFirst ? "channels_first" : "channels_last";
        };
    }

    /** Moves the channel axis of {@code a} from where {@code fromFirst} puts it to where {@code toFirst} wants it. */
    static NpyArray convert(NpyArray a, boolean fromFirst, boolean toFirst) {
        if (fromFirst == toFirst || a.rank() < 3) {
            return a;
        }
        int rank = a.rank();
        int[] perm = new int[rank];
        perm[0] = 0;
        if (toFirst) {
            // (N, spatial..., C) → (N, C, spatial...)
            perm[1] = rank - 1;
            for (int i = 2; i < rank; i++) {
                perm[i] = i - 1;
            }
        } else {
            // (N, C, spatial...) → (N, spatial..., C)
            for (int i = 1; i < rank - 1; i++) {
                perm[i] = i + 1;
            }
            perm[rank - 1] = 1;
        }
        return permute(a, perm);
    }

    /** Output axis {@code i} is input axis {@code perm[i]}. */
    static NpyArray permute(NpyArray a, int[] perm) {
        long[] s = a.shape();
        int rank = s.length;
        long[] out = new long[rank];
        long[] inStride = new long[rank];
        long acc = 1;
        for (int i = rank - 1; i >= 0; i--) {
            inStride[i] = acc;
            acc *= s[i];
        }
        long[] stride = new long[rank];
        for (int i = 0; i < rank; i++) {
            out[i] = s[perm[i]];
            stride[i] = inStride[perm[i]];
        }
        float[] src = a.data();
        float[] dst = new float[src.length];
        int[] idx = new int[rank];
        long offset = 0;
        for (int flat = 0; flat < dst.length; flat++) {
            dst[flat] = src[(int) offset];
            // odometer over the output index, keeping the source offset in step
            for (int i = rank - 1; i >= 0; i--) {
                idx[i]++;
                offset += stride[i];
                if (idx[i] < out[i]) {
                    break;
                }
                offset -= stride[i] * out[i];
                idx[i] = 0;
            }
        }
        return new NpyArray(dst, out);
    }
}
