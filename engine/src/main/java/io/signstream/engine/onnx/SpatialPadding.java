package io.signstream.engine.onnx;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.onnx.proto.OnnxProto;

/**
 * Resolves the padding of a convolution or pooling window to explicit begin/end amounts. {@code auto_pad} SAME_*
 * depends on the input length, which the importer knows for every axis but the batch, so the graph never needs
 * a "same" mode.
 */
final class SpatialPadding {

    final int[] begin;
    final int[] end;

    private SpatialPadding(int[] begin, int[] end) {
        this.begin = begin;
        this.end = end;
    }

    /**
     * @param input the layer input, (N, C, spatial...)
     * @param kernel window length per spatial axis
     * @param strides step per spatial axis
     * @param dilations dilation per spatial axis (all 1 for pooling)
     */
    static SpatialPadding resolve(OnnxProto.Node node, ImportContext ctx, OnnxAttributes attrs, GraphTensor input,
            int[] kernel, int[] strides, int[] dilations) throws ExplainException {
        int k = kernel.length;
        int[] begin = new int[k];
        int[] end = new int[k];
        String autoPad = attrs.getString("auto_pad", "NOTSET");
        switch (autoPad) {
            case "NOTSET", "" -> {
                long[] pads = attrs.getInts("pads");
                if (pads != null) {
                    if (pads.length != 2 * k) {
                        throw ctx.corrupt(node, "pads has " + pads.length + " entries, expected " + 2 * k);
                    }
                    for (int i = 0; i < k; i++) {
                        begin[i] = Math.toIntExact(pads[i]);
                        end[i] = Math.toIntExact(pads[k + i]);
                        if (begin[i] < 0 || end[i] < 0) {
                            throw ctx.unsupported(node, "negative padding is not supported");
                        }
                    }
                }
            }
            case "VALID" -> {
                // no padding
            }
            case "SAME_UPPER", "SAME_LOWER" -> {
                for (int i = 0; i < k; i++) {
                    long in = input.dim(2 + i);
                    long out = (in + strides[i] - 1) / strides[i];
                    long effective = (long) dilations[i] * (kernel[i] - 1) + 1;
                    int total = (int) Math.max(0, (out - 1) * strides[i] + effective - in);
                    // ONNX: the odd extra pad goes at the end for SAME_UPPER, at the beginning for SAME_LOWER.
                    int small = total / 2;
                    begin[i] = autoPad.equals("SAME_UPPER") ? small : total - small;
                    end[i] = total - begin[i];
                }
            }
            default -> throw ctx.unsupported(node, "auto_pad '" + autoPad + "' is not supported");
        }
        return new SpatialPadding(begin, end);
    }
}
