package io.signstream.engine.onnx;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.onnx.proto.OnnxProto;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Flatten, Reshape, Transpose, Concat, Pad, Unsqueeze and Squeeze. On tensors computed from the model input they
 * become graph nodes that must leave the batch axis alone (the graph runs any batch size); on constants they
 * are evaluated at import time.
 */
final class ShapeOps {

    private ShapeOps() {
    }

    static void register(Map<String, OpTranslator> ops) {
        ops.put("Flatten", ShapeOps::flatten);
        ops.put("Reshape", ShapeOps::reshape);
        ops.put("Transpose", ShapeOps::transpose);
        ops.put("Concat", ShapeOps::concat);
        ops.put("Pad", ShapeOps::pad);
        ops.put("Unsqueeze", ShapeOps::unsqueeze);
        ops.put("Squeeze", ShapeOps::squeeze);
    }

    static void flatten(OnnxProto.Node node, ImportContext ctx) throws ExplainException {
        OnnxValue v = ctx.value(node, 0);
        int rank = v instanceof GraphTensor t ? t.rank() : ((OnnxConstant) v).rank();
        // Flatten's axis ranges over [-rank, rank]: axis = rank puts everything in the outer dimension.
        long given = OnnxAttributes.of(node).getInt("axis", 1);
        int axis = (int) (given < 0 ? given + rank : given);
        if (axis < 0 || axis > rank) {
            throw ctx.corrupt(node, "axis " + given + " is out of range for rank " + rank);
        }
        if (v instanceof OnnxConstant c) {
            long outer = OnnxConstant.count(Arrays.copyOf(c.shape(), axis));
            ctx.define(node, c.reshape(new long[] {outer, c.size() / Math.max(outer, 1)}));
            return;
        }
        GraphTensor x = (GraphTensor) v;
        if (axis != 1) {
            throw ctx.unsupported(node, "Flatten with axis=" + axis + " merges the batch axis with other axes; "
                    + "only axis=1 is supported");
        }
        ctx.emit(node, new Layer.Flatten(1), GraphTensor.withBatch(x.sampleSize()), x);
    }

    static void reshape(OnnxProto.Node node, ImportContext ctx) throws ExplainException {
        OnnxAttributes attrs = OnnxAttributes.of(node);
        // Opset < 5 carried the target in an attribute; later opsets take it as the second input.
        long[] target = attrs.has("shape") ? attrs.getInts("shape") : ctx.longs(node, 1, "shape");
        boolean allowZero = attrs.getInt("allowzero", 0) != 0;
        if (allowZero && Arrays.stream(target).anyMatch(d -> d == 0)) {
            throw ctx.unsupported(node, "allowzero=1 with a zero in the target shape is not supported");
        }
        OnnxValue v = ctx.value(node, 0);
        if (v instanceof OnnxConstant c) {
            if (Arrays.stream(target).anyMatch(d -> d == OnnxConstant.BATCH_SIZE)) {
                throw ctx.unsupported(node, "reshaping a constant to a batch-dependent shape is not supported");
            }
            long[] shape = resolveTarget(node, ctx, c.shape(), target, c.size());
            ctx.define(node, c.reshape(shape));
            return;
        }
        GraphTensor x = (GraphTensor) v;
        emitReshape(node, ctx, x, batchPreservingTarget(node, ctx, x, target));
    }

    /**
     * The per-sample dimensions of a Reshape target, provided that axis 0 of the target is the batch: the
     * batch size itself (PyTorch's {@code x.view(x.size(0), -1)} folded by {@link ConstantFolding}), 0 (copy),
     * or -1 or the declared fixed batch size when the other entries account for exactly one sample.
     */
    private static long[] batchPreservingTarget(OnnxProto.Node node, ImportContext ctx, GraphTensor x,
            long[] target) throws ExplainException {
        String shown = Arrays.toString(target).replace(String.valueOf(OnnxConstant.BATCH_SIZE), "N");
        if (target.length == 0) {
            throw ctx.corrupt(node, "empty target shape");
        }
        for (int i = 1; i < target.length; i++) {
            if (target[i] == OnnxConstant.BATCH_SIZE) {
                throw ctx.unsupported(node, "target shape " + shown + " moves the batch away from axis 0");
            }
        }
        long first = target[0];
        long[] rest = Arrays.copyOfRange(target, 1, target.length);
        for (int i = 0; i < rest.length; i++) {
            if (rest[i] == 0) {
                if (i + 1 >= x.rank()) {
                    throw ctx.corrupt(node, "target shape " + shown + " copies an axis the input does not have");
                }
                rest[i] = x.dim(i + 1);
            }
        }
        long known = 1;
        int inferred = -1;
        for (int i = 0; i < rest.length; i++) {
            if (rest[i] == -1 && inferred < 0) {
                inferred = i;
            } else if (rest[i] < 1) {
                throw ctx.corrupt(node, "invalid target shape " + shown);
            } else {
                known *= rest[i];
            }
        }
        boolean batchFirst = first == OnnxConstant.BATCH_SIZE || first == 0
                || (first == -1 && inferred < 0)
                || (ctx.declaredBatch() > 0 && first == ctx.declaredBatch());
        if (!batchFirst || x.sampleSize() % known != 0 || (inferred < 0 && known != x.sampleSize())) {
            throw ctx.unsupported(node, "Reshape of " + x.describeShape() + " to " + shown
                    + " mixes the batch axis with other axes; only reshapes that keep axis 0 are supported");
        }
        if (inferred >= 0) {
            rest[inferred] = x.sampleSize() / known;
        }
        return rest;
    }

    /** ONNX Reshape's target: 0 copies the input dimension, one -1 is inferred (constants and per-sample views). */
    static long[] resolveTarget(OnnxProto.Node node, ImportContext ctx, long[] in, long[] target, long size)
            throws ExplainException {
        long[] out = target.clone();
        long known = 1;
        int inferred = -1;
        for (int i = 0; i < out.length; i++) {
            if (out[i] == 0 && i < in.length) {
                out[i] = in[i];
            }
            if (out[i] == -1 && inferred < 0) {
                inferred = i;
            } else if (out[i] < 0) {
                throw ctx.corrupt(node, "invalid target shape " + Arrays.toString(target));
            } else {
                known *= out[i];
            }
        }
        if (inferred >= 0 && known > 0) {
            out[inferred] = size / known;
            known *= out[inferred];
        }
        if (known != size) {
            throw ctx.corrupt(node, "cannot reshape " + Arrays.toString(in) + " to " + Arrays.toString(target));
        }
        return out;
    }

    /** A reshape of the per-sample axes; a single output axis is a flatten, which is what LRP treats best. */
    private static void emitReshape(OnnxProto.Node node, ImportContext ctx, GraphTensor x, long[] sampleDims)
            throws ExplainException {
        long[] shape = GraphTensor.withBatch(sampleDims);
        if (sampleDims.length == 1) {
            ctx.emit(node, new Layer.Flatten(1), shape, x);
        } else {
            long[] target = shape.clone();
            target[0] = -1;
            ctx.emit(node, new Layer.Reshape(target), shape, x);
        }
    }

    static void transpose(OnnxProto.Node node, ImportContext ctx) throws ExplainException {
        OnnxValue v = ctx.value(node, 0);
        int rank = v instanceof GraphTensor t ? t.rank() : ((OnnxConstant) v).rank();
        long[] permAttr = OnnxAttributes.of(node).getInts("perm");
        int[] perm = new int[rank];
        for (int i = 0; i < rank && (permAttr == null || permAttr.length == rank); i++) {
            perm[i] = permAttr == null ? rank - 1 - i : (int) permAttr[i];
        }
        if ((permAttr != null && permAttr.length != rank) || !isPermutation(perm)) {
            throw ctx.corrupt(node, "perm " + Arrays.toString(permAttr) + " is not a permutation of " + rank
                    + " axes");
        }
        if (v instanceof OnnxConstant c) {
            ctx.define(node, c.transpose(perm));
            return;
        }
        GraphTensor x = (GraphTensor) v;
        if (perm[0] != 0) {
            if (!PerSampleOps.allowed(ctx)) {
                throw ctx.unsupported(node, "perm " + Arrays.toString(perm) + " moves the batch axis"
                        + (perm[1] == 0 ? " (the sequence-first layout inside PyTorch's nn.MultiheadAttention)" : "")
                        + " of a model exported with a fixed batch of " + ctx.declaredBatch()
                        + "; export it with batch 1 or a dynamic batch");
            }
            PerSampleOps.transpose(node, ctx, x); // the exported batch-1 computation, one sample at a time
            return;
        }
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            out[i] = x.dim(perm[i]);
        }
        ctx.emit(node, new Layer.Transpose(perm), out, x);
    }

    static void concat(OnnxProto.Node node, ImportContext ctx) throws ExplainException {
        List<OnnxValue> parts = new ArrayList<>();
        for (int i = 0; i < node.getInputCount(); i++) {
            if (ctx.hasInput(node, i)) {
                parts.add(ctx.value(node, i));
            }
        }
        if (parts.isEmpty()) {
            throw ctx.corrupt(node, "has no inputs");
        }
        OnnxAttributes attrs = OnnxAttributes.of(node);
        if (!attrs.has("axis")) {
            throw ctx.corrupt(node, "the axis attribute is missing");
        }
        if (parts.stream().allMatch(p -> p instanceof OnnxConstant)) {
            List<OnnxConstant> constants = parts.stream().map(p -> (OnnxConstant) p).toList();
            int axis = normalizeAxis(node, ctx, attrs.getInt("axis", 0), constants.get(0).rank());
            try {
                ctx.define(node, OnnxConstant.concat(constants, axis));
            } catch (IllegalArgumentException e) {
                throw ctx.corrupt(node, e.getMessage());
            }
            return;
        }
        GraphTensor someTensor = (GraphTensor) parts.stream().filter(p -> p instanceof GraphTensor).findFirst()
                .orElseThrow();
        List<GraphTensor> tensors = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            if (parts.get(i) instanceof GraphTensor t) {
                tensors.add(t);
                continue;
            }
            // a constant of one sample concatenated to every sample (ViT's class token, expanded to a batch of 1)
            OnnxConstant c = (OnnxConstant) parts.get(i);
            if (c.rank() != someTensor.rank() || c.shape()[0] != 1 || c.dependsOnBatchSize()) {
                throw ctx.unsupported(node, "Concat of the constant of shape " + Arrays.toString(c.shape())
                        + " with computed tensors is supported only for a constant of one sample (batch axis 1)");
            }
            long[] sample = Arrays.copyOfRange(c.shape(), 1, c.rank());
            long[] full = c.shape().clone();
            full[0] = GraphTensor.BATCH;
            io.signstream.engine.graph.Weights w = c.toWeights();
            tensors.add(ctx.emitExtra(node, "constant" + i, new Layer.BatchConstant(
                    new io.signstream.engine.graph.Weights(w.data(), sample)), full, someTensor));
        }
        GraphTensor first = tensors.get(0);
        int axis = normalizeAxis(node, ctx, attrs.getInt("axis", 0), first.rank());
        if (axis == 0) {
            throw ctx.unsupported(node, "Concat along the batch axis is not supported");
        }
        long[] out = first.shape().clone();
        out[axis] = 0;
        for (GraphTensor t : tensors) {
            for (int i = 1; i < out.length; i++) {
                if (t.rank() != first.rank() || (i != axis && t.dim(i) != first.dim(i))) {
                    throw ctx.corrupt(node, "cannot concatenate " + first.describeShape() + " and "
                            + t.describeShape() + " along axis " + axis);
                }
            }
            out[axis] += t.dim(axis);
        }
        ctx.emit(node, new Layer.Concat(axis), out, tensors.toArray(new GraphTensor[0]));
    }

    /** Constant-mode Pad; pads come from the attribute (opset < 11) or the second input. */
    static void pad(OnnxProto.Node node, ImportContext ctx) throws ExplainException {
        OnnxAttributes attrs = OnnxAttributes.of(node);
        String mode = attrs.getString("mode", "constant");
        if (!mode.equals("constant")) {
            throw ctx.unsupported(node, "pad mode '" + mode + "' is not supported; only 'constant'");
        }
        GraphTensor x = ctx.tensor(node, 0);
        int rank = x.rank();
        long[] given = attrs.has("pads") ? attrs.getInts("pads") : ctx.longs(node, 1, "pads");
        float value = attrs.getFloat("value", 0f);
        if (!attrs.has("pads") && ctx.hasInput(node, 2)) {
            OnnxConstant v = ctx.constant(node, 2, "constant_value");
            if (v.size() != 1) {
                throw ctx.corrupt(node, "constant_value must be a single value");
            }
            value = (float) v.get(0);
        }
        long[] pads = new long[2 * rank];
        if (!attrs.has("pads") && ctx.hasInput(node, 3)) {
            // Opset 18: pads lists only the given axes.
            long[] axes = ctx.longs(node, 3, "axes");
            if (given.length != 2 * axes.length) {
                throw ctx.corrupt(node, "pads has " + given.length + " entries for " + axes.length + " axes");
            }
            for (int i = 0; i < axes.length; i++) {
                int axis = normalizeAxis(node, ctx, axes[i], rank);
                pads[axis] = given[i];
                pads[rank + axis] = given[axes.length + i];
            }
        } else if (given.length == 2 * rank) {
            pads = given;
        } else {
            throw ctx.corrupt(node, "pads has " + given.length + " entries, expected " + 2 * rank);
        }
        if (pads[0] != 0 || pads[rank] != 0) {
            throw ctx.unsupported(node, "padding the batch axis is not supported");
        }
        long[] out = x.shape().clone();
        for (int i = 1; i < rank; i++) {
            if (pads[i] < 0 || pads[rank + i] < 0) {
                throw ctx.unsupported(node, "negative padding (cropping) is not supported");
            }
            out[i] += pads[i] + pads[rank + i];
        }
        ctx.emit(node, new Layer.Pad(pads, value), out, x);
    }

    static void unsqueeze(OnnxProto.Node node, ImportContext ctx) throws ExplainException {
        OnnxValue v = ctx.value(node, 0);
        long[] in = v instanceof GraphTensor t ? t.shape() : ((OnnxConstant) v).shape();
        long[] axes = axes(node, ctx);
        if (axes == null) {
            throw ctx.corrupt(node, "the axes are missing");
        }
        int outRank = in.length + axes.length;
        boolean[] inserted = new boolean[outRank];
        for (long a : axes) {
            inserted[normalizeAxis(node, ctx, a, outRank)] = true;
        }
        long[] out = new long[outRank];
        for (int i = 0, j = 0; i < outRank; i++) {
            out[i] = inserted[i] ? 1 : in[j++];
        }
        reshapeTo(node, ctx, v, out, inserted[0]);
    }

    static void squeeze(OnnxProto.Node node, ImportContext ctx) throws ExplainException {
        OnnxValue v = ctx.value(node, 0);
        boolean tensor = v instanceof GraphTensor;
        long[] in = tensor ? ((GraphTensor) v).shape() : ((OnnxConstant) v).shape();
        long[] axes = axes(node, ctx);
        boolean[] removed = new boolean[in.length];
        for (int i = 0; i < in.length; i++) {
            // Without axes every unit axis goes; the batch axis of a tensor is not known to be 1 and stays.
            removed[i] = axes == null && in[i] == 1 && !(tensor && i == 0);
        }
        if (axes != null) {
            for (long a : axes) {
                int axis = normalizeAxis(node, ctx, a, in.length);
                if (in[axis] != 1 && !(tensor && axis == 0)) {
                    throw ctx.corrupt(node, "axis " + axis + " has length " + in[axis] + " and cannot be squeezed");
                }
                removed[axis] = true;
            }
        }
        long[] out = new long[in.length];
        int n = 0;
        for (int i = 0; i < in.length; i++) {
            if (!removed[i]) {
                out[n++] = in[i];
            }
        }
        reshapeTo(node, ctx, v, Arrays.copyOf(out, n), removed.length > 0 && removed[0]);
    }

    /** Unsqueeze/Squeeze: a reshape of a constant, or of the per-sample axes of a tensor. */
    private static void reshapeTo(OnnxProto.Node node, ImportContext ctx, OnnxValue v, long[] out,
            boolean touchesAxis0) throws ExplainException {
        if (v instanceof OnnxConstant c) {
            ctx.define(node, c.reshape(out));
            return;
        }
        if (touchesAxis0) {
            throw ctx.unsupported(node, node.getOpType() + " of the batch axis is not supported");
        }
        emitReshape(node, ctx, (GraphTensor) v, Arrays.copyOfRange(out, 1, out.length));
    }

    /** Axes from the attribute (opset < 13) or the optional second input. */
    private static long[] axes(OnnxProto.Node node, ImportContext ctx) throws ExplainException {
        OnnxAttributes attrs = OnnxAttributes.of(node);
        if (attrs.has("axes")) {
            return attrs.getInts("axes");
        }
        return ctx.hasInput(node, 1) ? ctx.longs(node, 1, "axes") : null;
    }

    static int normalizeAxis(OnnxProto.Node node, ImportContext ctx, long axis, int rank) throws ExplainException {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw ctx.corrupt(node, "axis " + axis + " is out of range for rank " + rank);
        }
        return (int) a;
    }

    private static boolean isPermutation(int[] perm) {
        boolean[] seen = new boolean[perm.length];
        for (int p : perm) {
            if (p < 0 || p >= perm.length || seen[p]) {
                return false;
            }
            seen[p] = true;
        }
        return true;
    }
}
