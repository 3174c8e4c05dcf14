package io.signstream.engine.savedmodel;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.PoolSpec;
import java.util.Arrays;
import java.util.Map;

/**
 * Pooling, global pooling (a {@code Mean} or {@code Max} over every spatial axis), batch normalisation and
 * padding. All but padding read their input channels first.
 */
final class SpatialOps {

    private SpatialOps() {
    }

    static void register(Map<String, OpRule> rules) {
        rules.put("MaxPool", (op, s) -> pool(op, s, true));
        rules.put("AvgPool", (op, s) -> pool(op, s, false));
        rules.put("Mean", (op, s) -> globalPool(op, s, false));
        rules.put("Max", (op, s) -> globalPool(op, s, true));
        rules.put("FusedBatchNorm", SpatialOps::batchNorm);
        rules.put("FusedBatchNormV2", SpatialOps::batchNorm);
        rules.put("FusedBatchNormV3", SpatialOps::batchNorm);
        rules.put("Pad", SpatialOps::pad);
        rules.put("PadV2", SpatialOps::pad);
    }

    /** TensorFlow's average pooling leaves the padding out of each window's count. */
    private static TfValue pool(TfOp op, ImportState s, boolean max) throws ExplainException {
        TfTensor x = s.tensor(op, 0);
        if (x.rank() != 4 || !s.stringAttr(op, "data_format", "NHWC").equals("NHWC")) {
            throw s.unsupported(op, "pools a tensor " + x.describe() + " in layout "
                    + s.stringAttr(op, "data_format", "NHWC") + "; only NHWC images are supported");
        }
        int[] kernel = TfPadding.spatial(op, s, "ksize", 4, 1);
        int[] strides = TfPadding.spatial(op, s, "strides", 4, 1);
        TfPadding pad = TfPadding.of(op, s, new long[] {x.shape()[1], x.shape()[2]}, kernel, strides, new int[] {1, 1});
        PoolSpec spec = new PoolSpec(kernel, strides, pad.begin(), pad.end());
        Layer layer = max ? new Layer.MaxPool(spec) : new Layer.AvgPool(spec, false);
        String node = s.builder().add(op.id(), layer, s.builder().channelsFirst(x).node());
        return new TfTensor(node, new long[] {-1, pad.out()[0], pad.out()[1], x.shape()[3]}, true);
    }

    /** {@code Mean}/{@code Max} over exactly the spatial axes (Keras's GlobalAveragePooling2D and friends). */
    private static TfValue globalPool(TfOp op, ImportState s, boolean max) throws ExplainException {
        TfTensor x = s.tensor(op, 0);
        long[] axes = s.ints(op, 1);
        int r = x.rank();
        long[] normalised = Arrays.stream(axes).map(a -> a < 0 ? a + r : a).sorted().distinct().toArray();
        long[] spatial = new long[Math.max(r - 2, 0)];
        Arrays.setAll(spatial, i -> i + 1);
        if (r < 3 || !Arrays.equals(normalised, spatial)) {
            throw s.unsupported(op, "reduces axes " + Arrays.toString(axes) + " of a tensor " + x.describe()
                    + "; only a reduction over all spatial axes (global pooling) is supported");
        }
        GraphBuilder g = s.builder();
        String pooled = g.add(op.id(), new Layer.GlobalPool(max), g.channelsFirst(x).node());
        long channels = x.shape()[r - 1];
        if (s.boolAttr(op, "keep_dims", false)) {
            long[] shape = new long[r];
            Arrays.fill(shape, 1);
            shape[0] = -1;
            shape[r - 1] = channels;
            return new TfTensor(pooled, shape, true);
        }
        return new TfTensor(g.add(op.id() + "/flatten", new Layer.Flatten(1), pooled), new long[] {-1, channels},
                false);
    }

    /** Inference-mode batch norm: inputs x, scale, offset, mean, variance. */
    private static TfValue batchNorm(TfOp op, ImportState s) throws ExplainException {
        TfTensor x = s.tensor(op, 0);
        if (s.boolAttr(op, "is_training", true)) {
            throw s.unsupported(op, "normalises with batch statistics (is_training=true); only inference-mode "
                    + "batch norm can be explained");
        }
        if (!s.stringAttr(op, "data_format", "NHWC").equals("NHWC")) {
            throw s.unsupported(op, "uses data_format " + s.stringAttr(op, "data_format", "") + "; only NHWC is "
                    + "supported");
        }
        long channels = x.shape()[x.rank() - 1];
        TfConstant[] params = new TfConstant[4];
        for (int i = 0; i < 4; i++) {
            params[i] = s.constant(op, i + 1);
            if (params[i].size() != channels) {
                throw s.corrupt(op, "has " + params[i].size() + " values in operand #" + (i + 1) + " for "
                        + channels + " channels");
            }
        }
        long[] shape = {channels};
        Layer.BatchNorm layer = new Layer.BatchNorm(params[0].weights(shape), params[1].weights(shape),
                params[2].weights(shape), params[3].weights(shape), s.floatAttr(op, "epsilon", 1e-4f));
        TfTensor in = s.builder().channelsFirst(x);
        return new TfTensor(s.builder().add(op.id(), layer, in.node()), x.shape(), in.channelsFirst());
    }

    /** {@code Pad(x, paddings[rank, 2])}, {@code PadV2} with a constant value; not along the batch axis. */
    private static TfValue pad(TfOp op, ImportState s) throws ExplainException {
        TfTensor x = s.tensor(op, 0);
        long[] p = s.ints(op, 1);
        int r = x.rank();
        if (p.length != 2 * r) {
            throw s.corrupt(op, "has " + p.length / 2 + " padding pairs for a tensor of rank " + r);
        }
        if (p[0] != 0 || p[1] != 0) {
            throw s.unsupported(op, "pads the batch axis");
        }
        float value = 0f;
        if (op.inputs().size() > 2) {
            TfConstant v = s.constant(op, 2);
            value = (float) v.data()[0];
        }
        long[] pads = new long[2 * r];
        long[] shape = x.shape().clone();
        for (int a = 1; a < r; a++) {
            int g = x.graphAxis(a);
            pads[g] = p[2 * a];
            pads[r + g] = p[2 * a + 1];
            shape[a] += p[2 * a] + p[2 * a + 1];
        }
        String node = s.builder().add(op.id(), new Layer.Pad(pads, value), x.node());
        return new TfTensor(node, shape, x.channelsFirst());
    }
}
