package io.signstream.engine.keras;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import io.signstream.engine.graph.Layer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Flatten, Reshape, Add, Concatenate and the layers that are the identity at inference (Dropout and friends).
 * Flatten and Reshape work on the Keras (channels-last) layout, so a Flatten after a convolution gets a
 * Transpose back to channels-last first: the flattened order is then the one the next Dense kernel was trained
 * on (METHODS.md §2.2), exactly, without permuting kernel rows.
 */
final class KerasShapeLayers {

    private KerasShapeLayers() {
    }

    static KerasTensor flatten(KerasLayer l, KerasTensor in, KerasGraphBuilder b) throws ExplainException {
        KerasSpatialLayers.requireChannelsLast(l, b);
        KerasTensor x = b.channelsLast(in);
        long size = Arrays.stream(in.shape()).reduce(1, (p, q) -> p * q);
        return new KerasTensor(b.add(l.name(), new Layer.Flatten(1), x.node()), new long[] {size}, false);
    }

    static KerasTensor reshape(KerasLayer l, KerasTensor in, KerasGraphBuilder b) throws ExplainException {
        if (!KerasJson.has(l.config(), "target_shape")) {
            throw new ExplainException(Kind.CORRUPT_MODEL, b.modelName() + ": " + l.describe()
                    + " has no target_shape");
        }
        long[] target = KerasJson.shape(l.config().get("target_shape"));
        long size = Arrays.stream(in.shape()).reduce(1, (p, q) -> p * q);
        long known = 1;
        int unknown = -1;
        for (int i = 0; i < target.length; i++) {
            if (target[i] < 0) {
                if (unknown >= 0) {
                    throw badReshape(l, in, target, b);
                }
                unknown = i;
            } else {
                known *= target[i];
            }
        }
        if (unknown >= 0 && known > 0 && size % known == 0) {
            target[unknown] = size / known;
            known = size;
        }
        if (known != size || target.length < 1) {
            throw badReshape(l, in, target, b);
        }
        if (target.length > 3) {
            throw new ExplainException(Kind.UNSUPPORTED_MODEL, b.modelName() + ": " + l.describe()
                    + " reshapes to rank " + (target.length + 1) + "; tensors of rank 2 to 4 are supported");
        }
        long[] dims = new long[target.length + 1]; // dims[0] = 0: the batch axis is copied
        System.arraycopy(target, 0, dims, 1, target.length);
        KerasTensor x = b.channelsLast(in);
        return new KerasTensor(b.add(l.name(), new Layer.Reshape(dims), x.node()), target, false);
    }

    /** Add of two or more tensors of one shape, as a chain of two-operand adds ending in the layer's name. */
    static KerasTensor add(KerasLayer l, List<KerasTensor> ins, KerasGraphBuilder b) throws ExplainException {
        if (ins.size() < 2) {
            throw new ExplainException(Kind.CORRUPT_MODEL, b.modelName() + ": " + l.describe() + " has "
                    + ins.size() + " input(s); Add needs at least 2");
        }
        KerasTensor first = ins.get(0);
        String acc = first.node();
        for (int i = 1; i < ins.size(); i++) {
            KerasTensor t = ins.get(i);
            if (!Arrays.equals(t.shape(), first.shape())) {
                throw new ExplainException(Kind.UNSUPPORTED_MODEL, b.modelName() + ": " + l.describe() + " adds "
                        + first.describeShape() + " and " + t.describeShape()
                        + "; only operands of one shape are supported (no broadcasting)");
            }
            String name = i == ins.size() - 1 ? l.name() : l.name() + "/" + i;
            acc = b.add(name, new Layer.Add(), List.of(acc, b.like(t, first).node()));
        }
        return new KerasTensor(acc, first.shape(), first.channelsFirst());
    }

    /**
     * Multiply of two or more tensors with broadcasting over size-1 axes (a squeeze-excitation gate of shape
     * (1, 1, C) times a (H, W, C) map), as a chain of two-operand products ending in the layer's name. An operand
     * computed by a sigmoid (through reshapes) is marked as the gate, for LRP's rule (docs/methods.md).
     */
    static KerasTensor multiply(KerasLayer l, List<KerasTensor> ins, KerasGraphBuilder b) throws ExplainException {
        if (ins.size() < 2) {
            throw new ExplainException(Kind.CORRUPT_MODEL, b.modelName() + ": " + l.describe() + " has "
                    + ins.size() + " input(s); Multiply needs at least 2");
        }
        KerasTensor first = ins.stream().filter(KerasTensor::channelsFirst).findFirst().orElse(ins.get(0));
        KerasTensor acc = b.like(ins.get(0), first);
        for (int i = 1; i < ins.size(); i++) {
            KerasTensor t = b.like(ins.get(i), first);
            long[] shape = broadcast(l, acc, t, b);
            int gate = b.isGate(t.node()) && !b.isGate(acc.node()) ? 1
                    : b.isGate(acc.node()) && !b.isGate(t.node()) ? 0 : Layer.Multiply.NO_GATE;
            String name = i == ins.size() - 1 ? l.name() : l.name() + "/" + i;
            acc = new KerasTensor(b.add(name, new Layer.Multiply(gate), List.of(acc.node(), t.node())), shape,
                    first.channelsFirst());
        }
        return acc;
    }

    /** The broadcast Keras shape of two operands of one rank, or an error naming both shapes. */
    private static long[] broadcast(KerasLayer l, KerasTensor a, KerasTensor c, KerasGraphBuilder b)
            throws ExplainException {
        if (a.sampleRank() != c.sampleRank()) {
            throw new ExplainException(Kind.UNSUPPORTED_MODEL, b.modelName() + ": " + l.describe() + " multiplies "
                    + a.describeShape() + " and " + c.describeShape() + "; operands of one rank are supported");
        }
        long[] out = new long[a.sampleRank()];
        for (int i = 0; i < out.length; i++) {
            long p = a.shape()[i];
            long q = c.shape()[i];
            if (p != q && p != 1 && q != 1) {
                throw new ExplainException(Kind.UNSUPPORTED_MODEL, b.modelName() + ": " + l.describe()
                        + " multiplies " + a.describeShape() + " and " + c.describeShape()
                        + ", which do not broadcast");
            }
            out[i] = Math.max(p, q);
        }
        return out;
    }

    /** Concatenate along a Keras axis (default −1, the channels), mapped to the graph layout of the first input. */
    static KerasTensor concatenate(KerasLayer l, List<KerasTensor> ins, KerasGraphBuilder b)
            throws ExplainException {
        if (ins.size() < 2) {
            throw new ExplainException(Kind.CORRUPT_MODEL, b.modelName() + ": " + l.describe() + " has "
                    + ins.size() + " input(s); Concatenate needs at least 2");
        }
        KerasTensor first = ins.get(0);
        int rank = first.sampleRank();
        int axis = KerasJson.integer(l, "axis", -1);
        axis = axis < 0 ? axis + rank + 1 : axis;
        if (axis < 1 || axis > rank) {
            throw new ExplainException(Kind.UNSUPPORTED_MODEL, b.modelName() + ": " + l.describe()
                    + " concatenates along axis " + KerasJson.integer(l, "axis", -1) + " of "
                    + first.describeShape());
        }
        long[] out = first.shape().clone();
        out[axis - 1] = 0;
        List<String> nodes = new ArrayList<>();
        for (KerasTensor t : ins) {
            for (int i = 0; i < rank; i++) {
                if (i != axis - 1 && (t.sampleRank() != rank || t.shape()[i] != first.shape()[i])) {
                    throw new ExplainException(Kind.CORRUPT_MODEL, b.modelName() + ": " + l.describe()
                            + " cannot concatenate " + first.describeShape() + " and " + t.describeShape()
                            + " along axis " + axis);
                }
            }
            out[axis - 1] += t.shape()[axis - 1];
            nodes.add(b.like(t, first).node());
        }
        // Channels-first graph axes: the channels (Keras axis = rank) sit at 1, spatial axis k at k + 1.
        int graphAxis = !first.channelsFirst() || first.layoutFree() ? axis : axis == rank ? 1 : axis + 1;
        return new KerasTensor(b.add(l.name(), new Layer.Concat(graphAxis), nodes), out, first.channelsFirst());
    }

    /** Dropout, SpatialDropout, GaussianNoise/Dropout, ActivityRegularization: the identity at inference. */
    static KerasTensor identity(KerasLayer l, KerasTensor in, KerasGraphBuilder b) {
        return new KerasTensor(b.add(l.name(), new Layer.Identity(l.className()), in.node()), in.shape(),
                in.channelsFirst());
    }

    private static ExplainException badReshape(KerasLayer l, KerasTensor in, long[] target, KerasGraphBuilder b) {
        long[] withBatch = new long[target.length + 1];
        withBatch[0] = -1;
        System.arraycopy(target, 0, withBatch, 1, target.length);
        return new ExplainException(Kind.CORRUPT_MODEL, b.modelName() + ": " + l.describe() + " cannot reshape "
                + in.describeShape() + " to " + KerasTopology.describe(withBatch));
    }
}
