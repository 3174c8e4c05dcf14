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

    /** [z > 0]·g at a ReLU; a subclass that changes the ReLU's rule says whether it still holds. */
    @Override
    public boolean reluRuleMasksNonPositive() {
        return true;
    }

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
        } else if (layer instanceof Layer.Clip c) {
            return one(clip(step, c, g));
        } else if (layer instanceof Layer.Multiply m) {
            return multiply(step, m, g);
        } else if (layer instanceof Layer.Divide) {
            return divide(step, g);
        } else if (layer instanceof Layer.Subtract) {
            return subtract(step, g);
        } else if (layer instanceof Layer.MatMul) {
            return matMul(step, g);
        } else if (layer instanceof Layer.Softmax s) {
            return one(softmax(step, s, g));
        } else if (layer instanceof Layer.LayerNorm ln) {
            return one(layerNorm(step, ln, g));
        } else if (layer instanceof Layer.ReduceMean r) {
            return one(reduceMean(step, r, g));
        } else if (layer instanceof Layer.Slice s) {
            return one(slice(step, s, g));
        } else if (layer instanceof Layer.BatchConstant) {
            return new NDArray[] {null}; // a constant: nothing flows back to the input it reads the batch size of
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
        return Pooling.maxPoolBackward(step.backend(), step.input(), step.output(), p.spec(), g);
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
                return step.backend().reluBackward(g, step.output());
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
            case SILU: {
                NDArray s = z.getNDArrayInternal().sigmoid();
                return g.mul(s.mul(z.mul(s.neg().add(1f)).add(1f)));
            }
            case HARD_SWISH: {
                // PyTorch's hardswish_backward: 0 for z < −3, z/3 + 1/2 for −3 ≤ z ≤ 3, 1 above
                NDArray inside = z.gte(-3f).logicalAnd(z.lte(3f)).toType(g.getDataType(), false);
                NDArray above = z.gt(3f).toType(g.getDataType(), false);
                return g.mul(inside.mul(z.div(3f).add(0.5f)).add(above));
            }
            case HARD_SIGMOID: {
                NDArray u = z.mul(a.alpha()).add(0.5f);
                NDArray inside = u.gt(0f).logicalAnd(u.lt(1f)).toType(g.getDataType(), false);
                return g.mul(inside.mul(a.alpha()));
            }
            case GELU: {
                // Φ(z) + z·φ(z)
                NDArray cdf = z.mul(ForwardPass.INV_SQRT2).erf().add(1f).mul(0.5f);
                NDArray pdf = z.square().mul(-0.5f).exp().mul((float) (1 / Math.sqrt(2 * Math.PI)));
                return g.mul(cdf.add(z.mul(pdf)));
            }
            case GELU_TANH: {
                NDArray t = ForwardPass.geluTanhInner(z).tanh();
                NDArray inner = z.square().mul(3 * ForwardPass.GELU_CUBIC).add(1f).mul(ForwardPass.SQRT_2_OVER_PI);
                NDArray d = t.add(1f).mul(0.5f).add(z.mul(t.square().neg().add(1f)).mul(inner).mul(0.5f));
                return g.mul(d);
            }
            case ERF:
                return g.mul(z.square().neg().exp().mul((float) (2 / Math.sqrt(Math.PI))));
            case SQRT:
                return g.mul(step.output().pow(-1f).mul(0.5f));
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
            case POW:
                local = g.mul(c).mul(x.pow(c.sub(1f)));
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

    /** 1 strictly inside (min, max), 0 outside and at the bounds (PyTorch's hardtanh_backward). */
    protected NDArray clip(NodeStep step, Layer.Clip c, NDArray g) {
        NDArray z = step.input();
        return g.mul(z.gt(c.min()).logicalAnd(z.lt(c.max())).toType(g.getDataType(), false));
    }

    /** The product rule, each operand's share summed back over the axes it was broadcast along. */
    protected NDArray[] multiply(NodeStep step, Layer.Multiply m, NDArray g) {
        NDArray a = step.inputs().get(0);
        NDArray b = step.inputs().get(1);
        return new NDArray[] {sumToShape(g.mul(b), a.getShape()), sumToShape(g.mul(a), b.getShape())};
    }

    /** d(a/b) = da/b − a·db/b² = da/b − y·db/b. */
    protected NDArray[] divide(NodeStep step, NDArray g) {
        NDArray a = step.inputs().get(0);
        NDArray b = step.inputs().get(1);
        NDArray ga = g.div(b);
        return new NDArray[] {sumToShape(ga, a.getShape()), sumToShape(ga.mul(step.output()).neg(), b.getShape())};
    }

    protected NDArray[] subtract(NodeStep step, NDArray g) {
        return new NDArray[] {sumToShape(g, step.inputs().get(0).getShape()),
            sumToShape(g.neg(), step.inputs().get(1).getShape())};
    }

    /** Y = A·B: ∂A = G·Bᵀ, ∂B = Aᵀ·G over the last two axes, summed over broadcast batch axes. */
    protected NDArray[] matMul(NodeStep step, NDArray g) {
        NDArray a = step.inputs().get(0);
        NDArray b = step.inputs().get(1);
        return new NDArray[] {sumToShape(g.matMul(swapLastTwo(b)), a.getShape()),
            sumToShape(swapLastTwo(a).matMul(g), b.getShape())};
    }

    /** s ⊙ (g − Σ_axis g ⊙ s). */
    protected NDArray softmax(NodeStep step, Layer.Softmax s, NDArray g) {
        NDArray y = step.output();
        int axis = s.axis() < 0 ? s.axis() + g.getShape().dimension() : s.axis();
        return y.mul(g.sub(g.mul(y).sum(new int[] {axis}, true)));
    }

    /**
     * The exact gradient of layer normalisation, the statistics included: with x̂ = (x − μ)/σ and ĝ = γ ⊙ g,
     * ∂x = (ĝ − mean(ĝ) − x̂ ⊙ mean(ĝ ⊙ x̂)) / σ over the last axis.
     */
    protected NDArray layerNorm(NodeStep step, Layer.LayerNorm ln, NDArray g) {
        NDArray[] stats = ForwardPass.normalisedLastAxis(step.input(), ln.epsilon());
        NDArray xHat = stats[0];
        NDArray gHat = ln.scale() == null ? g : g.mul(step.model().array(ln.scale()));
        int last = g.getShape().dimension() - 1;
        float n = g.getShape().get(last);
        NDArray meanG = gHat.sum(new int[] {last}, true).div(n);
        NDArray meanGx = gHat.mul(xHat).sum(new int[] {last}, true).div(n);
        return gHat.sub(meanG).sub(xHat.mul(meanGx)).mul(stats[1]);
    }

    protected NDArray reduceMean(NodeStep step, Layer.ReduceMean r, NDArray g) {
        Shape in = step.input().getShape();
        long[] kept = in.getShape().clone();
        long count = 1;
        for (int axis : ForwardPass.nonNegative(r.axes(), in.dimension())) {
            kept[axis] = 1;
            count *= in.get(axis);
        }
        return g.reshape(new Shape(kept)).broadcast(in).div((float) count);
    }

    /** Zeros outside the slice. */
    protected NDArray slice(NodeStep step, Layer.Slice s, NDArray g) {
        int rank = g.getShape().dimension();
        long[] begin = new long[rank];
        long[] end = new long[rank];
        begin[s.axis()] = s.start();
        end[s.axis()] = step.input().getShape().get(s.axis()) - s.end();
        return step.backend().pad(g, begin, end, 0f);
    }

    /** The array with its last two axes swapped. */
    protected static NDArray swapLastTwo(NDArray x) {
        int rank = x.getShape().dimension();
        int[] perm = new int[rank];
        for (int i = 0; i < rank; i++) {
            perm[i] = i;
        }
        perm[rank - 2] = rank - 1;
        perm[rank - 1] = rank - 2;
        return x.transpose(perm);
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
