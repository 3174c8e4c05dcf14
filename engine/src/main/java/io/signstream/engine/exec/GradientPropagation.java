package io.signstream.engine.exec;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.signstream.engine.backend.SliceIndex;
import io.signstream.engine.graph.Layer;

/**
 * The plain gradient through every layer type. Subclasses change how particular layers are crossed
 * ({@link GuidedBackpropPropagation}, {@link DeconvNetPropagation}, the LRP rules) and inherit the rest.
 */
public class GradientPropagation implements Propagation {

    @Override
    public NDArray[] backward(NodeStep step, NDArray g) {
        Layer layer = step.node().layer();
        if (layer instanceof Layer.Dense d) {
            return one(dense(step, d, g));
        } else if (layer instanceof Layer.Conv c) {
            return one(conv(step, c, g));
        } else if (layer instanceof Layer.MaxPool p) {
            return one(maxPool(step, p, g));
        } else if (layer instanceof Layer.AvgPool p) {
            return one(avgPool(step, p, g));
        } else if (layer instanceof Layer.GlobalPool p) {
            return one(globalPool(step, p, g));
        } else if (layer instanceof Layer.Activation a) {
            return one(activation(step, a, g));
        } else if (layer instanceof Layer.BatchNorm bn) {
            return one(batchNorm(step, bn, g));
        } else if (layer instanceof Layer.Add) {
            return add(step, g);
        } else if (layer instanceof Layer.ConstantOp op) {
            return one(constantOp(step, op, g));
        } else if (layer instanceof Layer.Concat c) {
            return concat(step, c, g);
        } else if (layer instanceof Layer.Flatten || layer instanceof Layer.Reshape) {
            return one(g.reshape(step.input().getShape()));
        } else if (layer instanceof Layer.Transpose t) {
            return one(g.transpose(inverse(t.permutation())));
        } else if (layer instanceof Layer.Pad p) {
            return one(crop(g, p, step.input().getShape()));
        } else if (layer instanceof Layer.Identity) {
            return one(g);
        }
        throw new IllegalStateException("no backward rule for layer type " + layer.kind());
    }

    protected NDArray dense(NodeStep step, Layer.Dense d, NDArray g) {
        return g.matMul(step.model().array(d.weight()));
    }

    protected NDArray conv(NodeStep step, Layer.Conv c, NDArray g) {
        return step.backend().convTranspose(g, step.model().array(c.weight()), c.spec(), step.input().getShape());
    }

    protected NDArray maxPool(NodeStep step, Layer.MaxPool p, NDArray g) {
        return Pooling.maxPoolBackward(step.backend(), step.input(), p.spec(), g);
    }

    protected NDArray avgPool(NodeStep step, Layer.AvgPool p, NDArray g) {
        return Pooling.avgPoolTranspose(step.backend(), g, p.spec(), p.countIncludePad(), step.input().getShape());
    }

    protected NDArray globalPool(NodeStep step, Layer.GlobalPool p, NDArray g) {
        NDArray x = step.input();
        if (!p.max()) {
            long area = x.getShape().size() / (x.getShape().get(0) * x.getShape().get(1));
            return g.div((float) area).broadcast(x.getShape());
        }
        // first maximum of each channel, in row-major order
        NDArray flat = x.reshape(x.getShape().get(0), x.getShape().get(1), -1);
        NDArray isMax = flat.eq(flat.max(new int[] {2}, true)).toType(DataType.FLOAT32, false);
        NDArray first = isMax.mul(isMax.cumSum(2).eq(1f).toType(DataType.FLOAT32, false));
        return first.mul(g.reshape(x.getShape().get(0), x.getShape().get(1), 1)).reshape(x.getShape());
    }

    /** The activation's derivative; ReLU's is [z > 0] (0 at z = 0). */
    protected NDArray activation(NodeStep step, Layer.Activation a, NDArray g) {
        NDArray z = step.input();
        switch (a.function()) {
            case RELU:
                return g.mul(z.gt(0f).toType(g.getDataType(), false));
            case LEAKY_RELU: {
                NDArray positive = z.gt(0f).toType(g.getDataType(), false);
                return g.mul(positive.add(positive.neg().add(1f).mul(a.alpha())));
            }
            case SIGMOID: {
                NDArray s = step.output();
                return g.mul(s.mul(s.neg().add(1f)));
            }
            case TANH: {
                NDArray t = step.output();
                return g.mul(t.square().neg().add(1f));
            }
            default:
                throw new IllegalStateException("no derivative for " + a.function());
        }
    }

    protected NDArray batchNorm(NodeStep step, Layer.BatchNorm bn, NDArray g) {
        return g.mul(ForwardPass.batchNormAffine(step.model(), bn, g.getShape().dimension())[0]);
    }

    protected NDArray[] add(NodeStep step, NDArray g) {
        return new NDArray[] {sumToShape(g, step.inputs().get(0).getShape()),
            sumToShape(g, step.inputs().get(1).getShape())};
    }

    protected NDArray constantOp(NodeStep step, Layer.ConstantOp op, NDArray g) {
        NDArray c = step.model().array(op.constant());
        NDArray x = step.input();
        NDArray local;
        switch (op.op()) {
            case ADD:
                local = g;
                break;
            case SUB:
                local = op.constantFirst() ? g.neg() : g;
                break;
            case MUL:
                local = g.mul(c);
                break;
            case DIV:
                local = op.constantFirst() ? g.mul(c).neg().div(x.square()) : g.div(c);
                break;
            default:
                throw new IllegalStateException("no derivative for " + op.op());
        }
        return sumToShape(local, x.getShape());
    }

    protected NDArray[] concat(NodeStep step, Layer.Concat c, NDArray g) {
        NDArray[] parts = new NDArray[step.inputs().size()];
        int axis = c.axis() < 0 ? c.axis() + g.getShape().dimension() : c.axis();
        long from = 0;
        for (int i = 0; i < parts.length; i++) {
            long len = step.inputs().get(i).getShape().get(axis);
            parts[i] = g.get(SliceIndex.along(g.getShape().dimension(), axis, from, from + len));
            from += len;
        }
        return parts;
    }

    protected static NDArray[] one(NDArray a) {
        return new NDArray[] {a};
    }

    static NDArray crop(NDArray g, Layer.Pad p, Shape inputShape) {
        int rank = inputShape.dimension();
        StringBuilder index = new StringBuilder();
        for (int i = 0; i < rank; i++) {
            if (i > 0) {
                index.append(',');
            }
            index.append(p.pads()[i]).append(':').append(p.pads()[i] + inputShape.get(i));
        }
        return g.get(index.toString());
    }

    /**
     * Sums a broadcast signal back to the shape of the operand it came from (gradient and relevance alike: the
     * total is kept).
     */
    public static NDArray sumToShape(NDArray g, Shape target) {
        Shape s = g.getShape();
        if (s.equals(target)) {
            return g;
        }
        int extra = s.dimension() - target.dimension();
        NDArray out = g;
        if (extra > 0) {
            int[] lead = new int[extra];
            for (int i = 0; i < extra; i++) {
                lead[i] = i;
            }
            out = out.sum(lead);
        }
        for (int i = 0; i < target.dimension(); i++) {
            if (target.get(i) == 1 && out.getShape().get(i) != 1) {
                out = out.sum(new int[] {i}, true);
            }
        }
        return out;
    }

    private static int[] inverse(int[] perm) {
        int[] inv = new int[perm.length];
        for (int i = 0; i < perm.length; i++) {
            inv[perm[i]] = i;
        }
        return inv;
    }
}
