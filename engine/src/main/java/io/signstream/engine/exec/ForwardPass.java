package io.signstream.engine.exec;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import io.signstream.engine.backend.Backend;
import io.signstream.engine.backend.SliceIndex;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Node;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
        Map<String, Node> reluBeforePool = model.reluBeforeMaxPool();
        Set<String> pairedRelus = model.pairedRelus();
        for (Node node : model.graph().nodes()) {
            Node relu = reluBeforePool.get(node.name());
            if (pairedRelus.contains(node.name())) {
                acts.defer(node.name(), () -> apply(model, node.layer(), acts.inputsOf(node)));
            } else if (relu != null) {
                // max and ReLU commute: pool first, then the ReLU on a fraction of the elements
                NDArray pooled = apply(model, node.layer(), acts.inputsOf(relu));
                acts.putPooledBeforeRelu(node.name(), pooled);
                acts.put(node.name(), apply(model, relu.layer(), List.of(pooled)));
            } else {
                acts.put(node.name(), apply(model, node.layer(), acts.inputsOf(node)));
            }
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
        } else if (layer instanceof Layer.Clip c) {
            return x.maximum(c.min()).minimum(c.max());
        } else if (layer instanceof Layer.Multiply) {
            return x.mul(in.get(1));
        } else if (layer instanceof Layer.Divide) {
            return x.div(in.get(1));
        } else if (layer instanceof Layer.Subtract) {
            return x.sub(in.get(1));
        } else if (layer instanceof Layer.MatMul) {
            return x.matMul(in.get(1));
        } else if (layer instanceof Layer.Softmax s) {
            return x.softmax(s.axis());
        } else if (layer instanceof Layer.LayerNorm ln) {
            return layerNorm(model, ln, x);
        } else if (layer instanceof Layer.ReduceMean r) {
            return reduceMean(x, r);
        } else if (layer instanceof Layer.Slice s) {
            return x.get(SliceIndex.along(x.getShape().dimension(), s.axis(), s.start(), s.end()));
        } else if (layer instanceof Layer.BatchConstant c) {
            return batchConstant(model, c, x.getShape().get(0));
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
                // the engine's own ReLU: one op, where maximum(0) also makes a scalar operand per call (TensorFlow)
                return x.getNDArrayInternal().relu();
            case LEAKY_RELU:
                return backend.where(x.gt(0f), x, x.mul(a.alpha()));
            case SIGMOID:
                return x.getNDArrayInternal().sigmoid();
            case TANH:
                return x.tanh();
            case SILU:
                return x.mul(x.getNDArrayInternal().sigmoid());
            case HARD_SWISH:
                return x.mul(x.add(3f).maximum(0f).minimum(6f)).div(6f);
            case HARD_SIGMOID:
                return x.mul(a.alpha()).add(0.5f).maximum(0f).minimum(1f);
            case GELU:
                return x.mul(x.mul(INV_SQRT2).erf().add(1f)).mul(0.5f);
            case GELU_TANH:
                return x.mul(geluTanhInner(x).tanh().add(1f)).mul(0.5f);
            case ERF:
                return x.erf();
            case SQRT:
                return x.sqrt();
            default:
                throw new IllegalStateException("no forward computation for activation " + a.function());
        }
    }

    /** 1/√2, the scale of GELU's error function argument. */
    static final float INV_SQRT2 = (float) (1 / Math.sqrt(2));
    /** √(2/π), the scale of the tanh approximation of GELU. */
    static final float SQRT_2_OVER_PI = (float) Math.sqrt(2 / Math.PI);
    static final float GELU_CUBIC = 0.044715f;

    /** √(2/π)·(x + 0.044715·x³). */
    static NDArray geluTanhInner(NDArray x) {
        return x.add(x.pow(3f).mul(GELU_CUBIC)).mul(SQRT_2_OVER_PI);
    }

    /** (x − mean)/√(var + ε) over the last axis, then scale and bias. */
    static NDArray layerNorm(BoundGraph model, Layer.LayerNorm ln, NDArray x) {
        NDArray y = normalisedLastAxis(x, ln.epsilon())[0];
        if (ln.scale() != null) {
            y = y.mul(model.array(ln.scale()));
        }
        return ln.bias() == null ? y : y.add(model.array(ln.bias()));
    }

    /** {x̂, 1/σ} over the last axis: x̂ = (x − mean)/σ, σ = √(population var + ε), 1/σ with a size-1 last axis. */
    static NDArray[] normalisedLastAxis(NDArray x, float epsilon) {
        int last = x.getShape().dimension() - 1;
        float n = x.getShape().get(last);
        NDArray centred = x.sub(x.sum(new int[] {last}, true).div(n));
        NDArray inverseStd = centred.square().sum(new int[] {last}, true).div(n).add(epsilon).sqrt().pow(-1f);
        return new NDArray[] {centred.mul(inverseStd), inverseStd};
    }

    /** Sum and divide: DJL's PyTorch mean() takes a single axis. */
    static NDArray reduceMean(NDArray x, Layer.ReduceMean r) {
        int[] axes = nonNegative(r.axes(), x.getShape().dimension());
        long count = 1;
        for (int axis : axes) {
            count *= x.getShape().get(axis);
        }
        return x.sum(axes, r.keepDims()).div((float) count);
    }

    /** Axes counted from the end (−1 = last) as plain indices. */
    static int[] nonNegative(int[] axes, int rank) {
        int[] out = new int[axes.length];
        for (int i = 0; i < axes.length; i++) {
            out[i] = axes[i] < 0 ? axes[i] + rank : axes[i];
        }
        return out;
    }

    private static NDArray batchConstant(BoundGraph model, Layer.BatchConstant c, long batch) {
        NDArray value = model.array(c.value());
        long[] one = new long[c.value().rank() + 1];
        long[] full = new long[one.length];
        one[0] = 1;
        full[0] = batch;
        for (int i = 0; i < c.value().rank(); i++) {
            one[i + 1] = c.value().dim(i);
            full[i + 1] = c.value().dim(i);
        }
        return value.reshape(new Shape(one)).broadcast(new Shape(full));
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
            case POW:
                return x.pow(c);
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
