package io.signstream.engine.keras;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import io.signstream.engine.graph.ConvSpec;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Weights;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The layers that hold weights: Dense, Conv1D/Conv2D, DepthwiseConv2D/SeparableConv2D and BatchNormalization.
 * The layer's own node carries the layer name; a fused activation follows as {@code <layer>/<activation>} (so
 * {@code conv2d_1/relu} is what Keras calls the output of {@code conv2d_1}, e.g. for Grad-CAM).
 */
final class KerasKernelLayers {

    private KerasKernelLayers() {
    }

    static KerasTensor dense(KerasLayer l, KerasTensor in, KerasWeights source, boolean isOutput,
            KerasGraphBuilder b) throws ExplainException {
        if (in.sampleRank() != 1) {
            throw new ExplainException(Kind.UNSUPPORTED_MODEL, b.modelName() + ": " + l.describe()
                    + " is applied to a tensor of shape " + in.describeShape()
                    + "; Dense is supported on (N, features) only (add a Flatten before it)");
        }
        int units = KerasJson.integer(l, "units");
        boolean useBias = KerasJson.bool(l.config(), "use_bias", true);
        Weights[] w = KerasVariables.expect(l, source, b.modelName(), roles(useBias, "kernel"),
                shapes(useBias, new long[] {in.channels(), units}, units));
        Weights weight = KerasVariables.permute(w[0], new int[] {1, 0});
        String node = b.add(l.name(), new Layer.Dense(weight, useBias ? w[1] : null), in.node());
        KerasTensor out = new KerasTensor(node, new long[] {units}, false);
        String activation = KerasJson.activation(l, "activation");
        return KerasActivations.apply(activation, l, out, node + "/" + activation, isOutput, b);
    }

    /** Conv1D ({@code rank} 1) and Conv2D ({@code rank} 2), channels last in Keras, channels first in the graph. */
    static KerasTensor conv(KerasLayer l, KerasTensor in, int rank, KerasWeights source, boolean isOutput,
            KerasGraphBuilder b) throws ExplainException {
        KerasSpatialLayers.requireChannelsLast(l, b);
        KerasSpatialLayers.requireRank(l, in, rank, b);
        int filters = KerasJson.integer(l, "filters");
        int groups = KerasJson.integer(l, "groups", 1);
        int[] kernel = KerasJson.tuple(l, "kernel_size", rank, null);
        int[] strides = KerasJson.tuple(l, "strides", rank, ones(rank));
        int[] dilation = KerasJson.tuple(l, "dilation_rate", rank, ones(rank));
        boolean useBias = KerasJson.bool(l.config(), "use_bias", true);
        long channels = in.channels();
        if (groups < 1 || channels % groups != 0 || filters % groups != 0) {
            throw new ExplainException(Kind.CORRUPT_MODEL, b.modelName() + ": " + l.describe() + " has groups="
                    + groups + " for " + channels + " input channels and " + filters + " filters");
        }
        long[] kernelShape = new long[rank + 2];
        for (int i = 0; i < rank; i++) {
            kernelShape[i] = kernel[i];
        }
        kernelShape[rank] = channels / groups;
        kernelShape[rank + 1] = filters;
        Weights[] w = KerasVariables.expect(l, source, b.modelName(), roles(useBias, "kernel"),
                shapes(useBias, kernelShape, filters));
        KerasPadding pad = KerasPadding.of(l, b.modelName(), spatial(in), kernel, strides, dilation);
        ConvSpec spec = new ConvSpec(strides, pad.begin(), pad.end(), dilation, groups);
        KerasTensor x = b.channelsFirst(in);
        String node = b.add(l.name(), new Layer.Conv(KerasVariables.kernelToChannelsFirst(w[0]),
                useBias ? w[1] : null, spec), x.node());
        KerasTensor out = new KerasTensor(node, withChannels(pad.outShape(), filters), true);
        String activation = KerasJson.activation(l, "activation");
        return KerasActivations.apply(activation, l, out, node + "/" + activation, isOutput, b);
    }

    /**
     * DepthwiseConv2D: one {@code depth_multiplier}-deep filter per input channel, a convolution with
     * groups = input channels. Keras stores the kernel (kh, kw, in, multiplier); output channel c·multiplier + m
     * filters input channel c with kernel[:, :, c, m], which is the row-major flattening of (c, m), so the kernel is
     * read as (kh, kw, 1, in·multiplier) and converted like a Conv2D kernel.
     */
    static KerasTensor depthwiseConv(KerasLayer l, KerasTensor in, KerasWeights source, boolean isOutput,
            KerasGraphBuilder b) throws ExplainException {
        KerasSpatialLayers.requireChannelsLast(l, b);
        KerasSpatialLayers.requireRank(l, in, 2, b);
        boolean useBias = KerasJson.bool(l.config(), "use_bias", true);
        long channels = in.channels();
        int multiplier = KerasJson.integer(l, "depth_multiplier", 1);
        int[] kernel = KerasJson.tuple(l, "kernel_size", 2, null);
        Weights[] w = KerasVariables.expect(l, source, b.modelName(), roles(useBias, "depthwise_kernel"),
                shapes(useBias, new long[] {kernel[0], kernel[1], channels, multiplier}, channels * multiplier));
        Depthwise d = depthwise(l, in, w[0], multiplier, useBias ? w[1] : null, l.name(), b);
        String activation = KerasJson.activation(l, "activation");
        return KerasActivations.apply(activation, l, d.out(), d.out().node() + "/" + activation, isOutput, b);
    }

    /**
     * SeparableConv2D: the depthwise convolution (node {@code <layer>/depthwise}, no bias) followed by a 1×1
     * convolution with the bias (node {@code <layer>}), as Keras computes it.
     */
    static KerasTensor separableConv(KerasLayer l, KerasTensor in, KerasWeights source, boolean isOutput,
            KerasGraphBuilder b) throws ExplainException {
        KerasSpatialLayers.requireChannelsLast(l, b);
        KerasSpatialLayers.requireRank(l, in, 2, b);
        boolean useBias = KerasJson.bool(l.config(), "use_bias", true);
        long channels = in.channels();
        int multiplier = KerasJson.integer(l, "depth_multiplier", 1);
        int filters = KerasJson.integer(l, "filters");
        int[] kernel = KerasJson.tuple(l, "kernel_size", 2, null);
        long mid = channels * multiplier;
        List<String> roles = useBias ? List.of("depthwise_kernel", "pointwise_kernel", "bias")
                : List.of("depthwise_kernel", "pointwise_kernel");
        List<long[]> shapes = new ArrayList<>(List.of(new long[] {kernel[0], kernel[1], channels, multiplier},
                new long[] {1, 1, mid, filters}));
        if (useBias) {
            shapes.add(new long[] {filters});
        }
        Weights[] w = KerasVariables.expect(l, source, b.modelName(), roles, shapes);
        Depthwise d = depthwise(l, in, w[0], multiplier, null, l.name() + "/depthwise", b);
        String node = b.add(l.name(), new Layer.Conv(KerasVariables.kernelToChannelsFirst(w[1]),
                useBias ? w[2] : null, new ConvSpec(ones(2), new int[2], new int[2], ones(2), 1)), d.out().node());
        KerasTensor out = new KerasTensor(node, withChannels(d.spatial(), filters), true);
        String activation = KerasJson.activation(l, "activation");
        return KerasActivations.apply(activation, l, out, node + "/" + activation, isOutput, b);
    }

    /** A depthwise convolution's output and its spatial shape. */
    private record Depthwise(KerasTensor out, long[] spatial) {
    }

    private static Depthwise depthwise(KerasLayer l, KerasTensor in, Weights keras, int multiplier, Weights bias,
            String name, KerasGraphBuilder b) throws ExplainException {
        int[] kernel = KerasJson.tuple(l, "kernel_size", 2, null);
        int[] strides = KerasJson.tuple(l, "strides", 2, ones(2));
        int[] dilation = KerasJson.tuple(l, "dilation_rate", 2, ones(2));
        long channels = in.channels();
        if (multiplier < 1) {
            throw new ExplainException(Kind.CORRUPT_MODEL, b.modelName() + ": " + l.describe()
                    + " has depth_multiplier=" + multiplier);
        }
        Weights asConv = new Weights(keras.data(), new long[] {kernel[0], kernel[1], 1, channels * multiplier});
        KerasPadding pad = KerasPadding.of(l, b.modelName(), spatial(in), kernel, strides, dilation);
        ConvSpec spec = new ConvSpec(strides, pad.begin(), pad.end(), dilation, (int) channels);
        KerasTensor x = b.channelsFirst(in);
        String node = b.add(name, new Layer.Conv(KerasVariables.kernelToChannelsFirst(asConv), bias, spec),
                x.node());
        return new Depthwise(new KerasTensor(node, withChannels(pad.outShape(), channels * multiplier), true),
                pad.outShape());
    }

    /** The variable roles of a normalisation layer's optional affine part, in Keras's order (γ, then β). */
    private static List<String> affineRoles(boolean scale, boolean center) {
        List<String> roles = new ArrayList<>();
        if (scale) {
            roles.add("gamma");
        }
        if (center) {
            roles.add("beta");
        }
        return roles;
    }

    /** Inference-mode BatchNormalization over the channel axis (the Keras default, axis −1). */
    static KerasTensor batchNorm(KerasLayer l, KerasTensor in, KerasWeights source, KerasGraphBuilder b)
            throws ExplainException {
        int axis = batchNormAxis(l, in, b);
        if (axis != in.sampleRank()) {
            throw new ExplainException(Kind.UNSUPPORTED_MODEL, b.modelName() + ": " + l.describe()
                    + " normalises axis " + axis + " of " + in.describeShape()
                    + "; only the channel (last) axis is supported");
        }
        long c = in.channels();
        boolean scale = KerasJson.bool(l.config(), "scale", true);
        boolean center = KerasJson.bool(l.config(), "center", true);
        List<String> roles = affineRoles(scale, center);
        roles.add("moving_mean");
        roles.add("moving_variance");
        List<long[]> shapes = roles.stream().map(r -> new long[] {c}).toList();
        Weights[] w = KerasVariables.expect(l, source, b.modelName(), roles, shapes);
        int k = 0;
        Weights gamma = scale ? w[k++] : KerasVariables.filled(c, 1f);
        Weights beta = center ? w[k++] : KerasVariables.filled(c, 0f);
        float eps = (float) KerasJson.number(l, "epsilon", 1e-3);
        KerasTensor x = b.channelsFirst(in);
        String node = b.add(l.name(), new Layer.BatchNorm(gamma, beta, w[k], w[k + 1], eps), x.node());
        return new KerasTensor(node, in.shape(), x.channelsFirst());
    }

    /**
     * LayerNormalization over the last (channel) axis, the Keras default, on the channels-last tensor: mean and
     * variance of each position's features, then γ and β.
     */
    static KerasTensor layerNorm(KerasLayer l, KerasTensor in, KerasWeights source, KerasGraphBuilder b)
            throws ExplainException {
        int axis = batchNormAxis(l, in, b);
        if (axis != in.sampleRank()) {
            throw new ExplainException(Kind.UNSUPPORTED_MODEL, b.modelName() + ": " + l.describe()
                    + " normalises axis " + axis + " of " + in.describeShape()
                    + "; only the last axis is supported");
        }
        long c = in.channels();
        boolean scale = KerasJson.bool(l.config(), "scale", true);
        boolean center = KerasJson.bool(l.config(), "center", true);
        List<String> roles = affineRoles(scale, center);
        Weights[] w = KerasVariables.expect(l, source, b.modelName(), roles,
                roles.stream().map(r -> new long[] {c}).toList());
        float eps = (float) KerasJson.number(l, "epsilon", 1e-3);
        KerasTensor x = b.channelsLast(in);
        String node = b.add(l.name(), new Layer.LayerNorm(scale ? w[0] : null, center ? w[scale ? 1 : 0] : null,
                eps), x.node());
        return new KerasTensor(node, in.shape(), false);
    }

    /** Keras 2 may store the axis as a one-element list; negative axes count from the end. */
    private static int batchNormAxis(KerasLayer l, KerasTensor in, KerasGraphBuilder b) throws ExplainException {
        int rank = in.sampleRank() + 1;
        int axis;
        var e = l.config().get("axis");
        if (e == null || e.isJsonNull()) {
            axis = -1;
        } else if (e.isJsonArray() && e.getAsJsonArray().size() == 1) {
            axis = e.getAsJsonArray().get(0).getAsInt();
        } else if (e.isJsonPrimitive()) {
            axis = e.getAsInt();
        } else {
            throw new ExplainException(Kind.UNSUPPORTED_MODEL, b.modelName() + ": " + l.describe()
                    + " normalises several axes " + e + "; only the channel axis is supported");
        }
        return axis < 0 ? axis + rank : axis;
    }

    private static List<String> roles(boolean useBias, String kernel) {
        return useBias ? List.of(kernel, "bias") : List.of(kernel);
    }

    private static List<long[]> shapes(boolean useBias, long[] kernel, long out) {
        return useBias ? List.of(kernel, new long[] {out}) : List.<long[]>of(kernel);
    }

    static int[] ones(int rank) {
        int[] o = new int[rank];
        Arrays.fill(o, 1);
        return o;
    }

    /** The spatial lengths of a channels-last Keras shape. */
    static long[] spatial(KerasTensor t) {
        return Arrays.copyOf(t.shape(), t.sampleRank() - 1);
    }

    static long[] withChannels(long[] spatial, long channels) {
        long[] s = Arrays.copyOf(spatial, spatial.length + 1);
        s[spatial.length] = channels;
        return s;
    }
}
