package io.signstream.engine.exec;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import io.signstream.engine.backend.Backend;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Node;
import java.util.List;

/** Runs a {@link BoundGraph} forward and keeps every intermediate value for the reverse pass. */
public final class ForwardPass {

    private ForwardPass() {
    }

    /**
     * @param model the graph on its backend
     * @param x a batch in the model's layout, created by a manager of the same backend
     */
    public static Activations run(BoundGraph model, NDArray x) {
        Activations acts = new Activations(model.graph(), x);
        for (Node node : model.graph().nodes()) {
            acts.put(node.name(), apply(model, node.layer(), acts.inputsOf(node)));
        }
        return acts;
    }

    /** The logits only, (N, classes). */
    public static NDArray logits(BoundGraph model, NDArray x) {
        return run(model, x).output();
    }

    /** One layer's forward computation. */
    public static NDArray apply(BoundGraph model, Layer layer, List<NDArray> in) {
        Backend backend = model.backend();
        NDArray x = in.get(0);
        // Java 17 has no pattern switch; the chain ends in an error so a new Layer type cannot pass silently.
        if (layer instanceof Layer.Dense d) {
            return dense(model, d, x);
        } else if (layer instanceof Layer.Conv c) {
            return backend.conv(x, model.array(c.weight()), model.array(c.bias()), c.spec());
        } else if (layer instanceof Layer.MaxPool p) {
            return Pooling.maxPool(backend, x, p.spec());
        } else if (layer instanceof Layer.AvgPool p) {
            return Pooling.avgPool(backend, x, p.spec(), p.countIncludePad());
        } else if (layer instanceof Layer.GlobalPool g) {
            return globalPool(g, x);
        } else if (layer instanceof Layer.Activation a) {
            return activation(backend, a, x);
        } else if (layer instanceof Layer.BatchNorm bn) {
            return batchNorm(model, bn, x);
        } else if (layer instanceof Layer.Add) {
            return x.add(in.get(1));
        } else if (layer instanceof Layer.ConstantOp op) {
            return constantOp(model, op, x);
        } else if (layer instanceof Layer.Concat c) {
            return NDArrays.concat(new NDList(in), c.axis());
        } else if (layer instanceof Layer.Flatten f) {
            return x.reshape(flattenShape(x.getShape(), f.axis()));
        } else if (layer instanceof Layer.Reshape r) {
            return x.reshape(reshapeTarget(x.getShape(), r.shape()));
        } else if (layer instanceof Layer.Transpose t) {
            return x.transpose(t.permutation());
        } else if (layer instanceof Layer.Pad p) {
            return padAll(backend, x, p);
        } else if (layer instanceof Layer.Identity) {
            return x;
        }
        throw new IllegalStateException("no forward computation for layer type " + layer.kind());
    }

    static NDArray dense(BoundGraph model, Layer.Dense d, NDArray x) {
        NDArray y = x.matMul(model.transposedArray(d.weight()));
        return d.bias() == null ? y : y.add(model.array(d.bias()));
    }

    static NDArray activation(Backend backend, Layer.Activation a, NDArray x) {
        switch (a.function()) {
            case RELU:
                return x.maximum(0f);
            case LEAKY_RELU:
                return backend.where(x.gt(0f), x, x.mul(a.alpha()));
            case SIGMOID:
                return x.getNDArrayInternal().sigmoid();
            case TANH:
                return x.tanh();
            default:
                throw new IllegalStateException("no forward computation for activation " + a.function());
        }
    }

    /** Per-channel factor a = scale/√(var+eps) and shift c = bias − mean·a, so that y = a·x + c. */
    static NDArray[] batchNormAffine(BoundGraph model, Layer.BatchNorm bn, int rank) {
        return model.batchNormAffine(bn, rank);
    }

    private static NDArray batchNorm(BoundGraph model, Layer.BatchNorm bn, NDArray x) {
        NDArray[] affine = batchNormAffine(model, bn, x.getShape().dimension());
        return x.mul(affine[0]).add(affine[1]);
    }

    private static NDArray constantOp(BoundGraph model, Layer.ConstantOp op, NDArray x) {
        NDArray c = model.array(op.constant());
        switch (op.op()) {
            case ADD:
                return x.add(c);
            case SUB:
                return op.constantFirst() ? x.neg().add(c) : x.sub(c);
            case MUL:
                return x.mul(c);
            case DIV:
                return op.constantFirst() ? x.pow(-1f).mul(c) : x.div(c);
            default:
                throw new IllegalStateException("no forward computation for " + op.op());
        }
    }

    private static NDArray padAll(Backend backend, NDArray x, Layer.Pad p) {
        int rank = x.getShape().dimension();
        long[] begin = new long[rank];
        long[] end = new long[rank];
        System.arraycopy(p.pads(), 0, begin, 0, rank);
        System.arraycopy(p.pads(), rank, end, 0, rank);
        return backend.pad(x, begin, end, p.value());
    }

    /** Global pooling over a (N, C, -1) view: DJL's PyTorch max/mean take a single axis. */
    static NDArray globalPool(Layer.GlobalPool g, NDArray x) {
        Shape s = x.getShape();
        NDArray flat = x.reshape(s.get(0), s.get(1), -1);
        NDArray pooled = g.max() ? flat.max(new int[] {2}, true) : flat.mean(new int[] {2}, true);
        long[] dims = s.getShape().clone();
        for (int i = 2; i < dims.length; i++) {
            dims[i] = 1;
        }
        return pooled.reshape(new Shape(dims));
    }

    static Shape flattenShape(Shape s, int axis) {
        long outer = 1;
        for (int i = 0; i < axis; i++) {
            outer *= s.get(i);
        }
        return new Shape(outer, s.size() / Math.max(outer, 1));
    }

    /** ONNX Reshape semantics: 0 copies the input dimension, −1 is inferred. */
    static Shape reshapeTarget(Shape in, long[] target) {
        long[] dims = target.clone();
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] == 0) {
                dims[i] = in.get(i);
            }
        }
        return new Shape(dims);
    }
}
