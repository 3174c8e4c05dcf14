package io.signstream.engine.keras;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import java.util.Locale;

/**
 * Keras/TensorFlow padding modes as explicit per-axis pads. {@code same} pads like TensorFlow, which may be
 * asymmetric: total = max((⌈in/s⌉ − 1)·s + (k − 1)·d + 1 − in, 0), begin = ⌊total/2⌋, end = total − begin (the
 * extra pixel goes at the end, unlike PyTorch's symmetric padding). {@code causal} (Conv1D) pads (k − 1)·d before.
 *
 * @param begin pad before each spatial axis
 * @param end pad after each spatial axis
 * @param outShape the output length of each spatial axis
 */
record KerasPadding(int[] begin, int[] end, long[] outShape) {

    /**
     * @param in spatial input lengths
     * @param dilation null for pooling (dilation 1)
     */
    static KerasPadding of(KerasLayer layer, String model, long[] in, int[] kernel, int[] strides, int[] dilation)
            throws ExplainException {
        String mode = KerasJson.string(layer.config(), "padding", "valid").toLowerCase(Locale.ROOT);
        int r = in.length;
        int[] begin = new int[r];
        int[] end = new int[r];
        long[] out = new long[r];
        for (int i = 0; i < r; i++) {
            int d = dilation == null ? 1 : dilation[i];
            long effective = (long) (kernel[i] - 1) * d + 1;
            if (kernel[i] < 1 || strides[i] < 1 || d < 1) {
                throw new ExplainException(Kind.CORRUPT_MODEL, model + ": " + layer.describe()
                        + " has a kernel, stride or dilation below 1");
            }
            switch (mode) {
                case "valid":
                    break;
                case "same": {
                    long outLen = (in[i] + strides[i] - 1) / strides[i];
                    long total = Math.max((outLen - 1) * strides[i] + effective - in[i], 0);
                    begin[i] = (int) (total / 2);
                    end[i] = (int) (total - total / 2);
                    break;
                }
                case "causal":
                    if (r != 1 || dilation == null) {
                        throw unsupported(layer, model, mode);
                    }
                    begin[i] = (int) (effective - 1);
                    break;
                default:
                    throw unsupported(layer, model, mode);
            }
            long padded = in[i] + begin[i] + end[i];
            if (padded < effective) {
                throw new ExplainException(Kind.CORRUPT_MODEL, model + ": " + layer.describe() + " has a window of "
                        + effective + " on an axis of length " + in[i] + " (padding " + mode + ")");
            }
            out[i] = (padded - effective) / strides[i] + 1;
        }
        return new KerasPadding(begin, end, out);
    }

    private static ExplainException unsupported(KerasLayer layer, String model, String mode) {
        return new ExplainException(Kind.UNSUPPORTED_MODEL, model + ": " + layer.describe() + " uses padding '"
                + mode + "' (supported: valid, same, and causal for Conv1D)");
    }
}
