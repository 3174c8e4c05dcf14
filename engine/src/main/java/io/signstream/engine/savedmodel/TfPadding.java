package io.signstream.engine.savedmodel;

import io.signstream.engine.api.ExplainException;
import java.util.Arrays;

/**
 * TensorFlow's padding modes as explicit per-axis pads for convolution and pooling windows. {@code SAME} pads
 * like TensorFlow, possibly asymmetrically: total = max((⌈in/s⌉ − 1)·s + (k − 1)·d + 1 − in, 0), begin =
 * ⌊total/2⌋, end = total − begin (the extra pixel goes at the end, unlike PyTorch's symmetric padding).
 *
 * @param begin pad before each spatial axis
 * @param end pad after each spatial axis
 * @param out output length of each spatial axis
 */
record TfPadding(int[] begin, int[] end, long[] out) {

    /**
     * @param in spatial input lengths
     * @param explicit for {@code EXPLICIT}: the op's {@code explicit_paddings} (begin, end per axis of the NHWC
     *     input), else null
     */
    static TfPadding of(TfOp op, ImportState s, long[] in, int[] kernel, int[] strides, int[] dilations)
            throws ExplainException {
        String mode = s.stringAttr(op, "padding", "VALID");
        long[] explicit = s.intsAttr(op, "explicit_paddings");
        int r = in.length;
        int[] begin = new int[r];
        int[] end = new int[r];
        long[] out = new long[r];
        for (int i = 0; i < r; i++) {
            long effective = (long) (kernel[i] - 1) * dilations[i] + 1;
            if (kernel[i] < 1 || strides[i] < 1 || dilations[i] < 1) {
                throw s.corrupt(op, "has a window, stride or dilation below 1");
            }
            switch (mode) {
                case "VALID":
                    break;
                case "SAME": {
                    long outLen = (in[i] + strides[i] - 1) / strides[i];
                    long total = Math.max((outLen - 1) * strides[i] + effective - in[i], 0);
                    begin[i] = (int) (total / 2);
                    end[i] = (int) (total - total / 2);
                    break;
                }
                case "EXPLICIT":
                    if (explicit == null || explicit.length != 2 * (r + 2)) {
                        throw s.corrupt(op, "has EXPLICIT padding without explicit_paddings for every axis");
                    }
                    begin[i] = (int) explicit[2 * (i + 1)];
                    end[i] = (int) explicit[2 * (i + 1) + 1];
                    break;
                default:
                    throw s.unsupported(op, "uses padding '" + mode + "' (supported: VALID, SAME, EXPLICIT)");
            }
            long padded = in[i] + begin[i] + end[i];
            if (padded < effective) {
                throw s.corrupt(op, "has a window of " + effective + " on an axis of length " + in[i]);
            }
            out[i] = (padded - effective) / strides[i] + 1;
        }
        return new TfPadding(begin, end, out);
    }

    /** The spatial entries (axes 1 .. rank−2) of an NHWC attribute such as {@code strides} = [1, sh, sw, 1]. */
    static int[] spatial(TfOp op, ImportState s, String attr, int rank, int fallback) throws ExplainException {
        long[] v = s.intsAttr(op, attr);
        int[] out = new int[rank - 2];
        if (v == null || v.length == 0) {
            Arrays.fill(out, fallback);
            return out;
        }
        if (v.length != rank || v[0] != 1 || v[rank - 1] != 1) {
            throw s.unsupported(op, "has " + attr + " " + Arrays.toString(v)
                    + "; only windows over the spatial axes of an NHWC tensor are supported");
        }
        for (int i = 0; i < out.length; i++) {
            out[i] = (int) v[i + 1];
        }
        return out;
    }
}
