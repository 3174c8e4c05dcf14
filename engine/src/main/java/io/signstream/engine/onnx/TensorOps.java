package io.signstream.engine.onnx;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.graph.ActivationKind;
import io.signstream.engine.graph.ConstantOpKind;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Weights;
import io.signstream.engine.onnx.proto.OnnxProto;
import java.util.Arrays;
import java.util.Map;

/**
 * The ops that production architectures add to plain CNNs: bounded and smooth activations (Clip as ReLU6,
 * HardSwish, HardSigmoid, Erf, Sqrt, Gelu), products and quotients of two computed tensors (squeeze-excitation
 * gates, attention, decomposed LayerNorm), MatMul of two activations, in-graph Softmax, LayerNormalization,
 * ReduceMean and Pow by a constant. The exported SiLU, GELU and LayerNorm patterns are fused afterwards
 * ({@link io.signstream.engine.graph.GraphFusion}).
 */
final class TensorOps {

    private TensorOps() {
    }

    static void register(Map<String, OpTranslator> ops) {
        ops.put("Clip", TensorOps::clip);
        ops.put("HardSwish", (node, ctx) -> activation(node, ctx, ActivationKind.HARD_SWISH, 0f));
        ops.put("HardSigmoid", TensorOps::hardSigmoid);
        ops.put("Erf", (node, ctx) -> activation(node, ctx, ActivationKind.ERF, 0f));
        ops.put("Sqrt", (node, ctx) -> activation(node, ctx, ActivationKind.SQRT, 0f));
        ops.put("Gelu", TensorOps::gelu);
        ops.put("Pow", TensorOps::pow);
        ops.put("ReduceMean", TensorOps::reduceMean);
        ops.put("LayerNormalization", TensorOps::layerNorm);
    }

    /** Clip with constant bounds (inputs from opset 11, attributes before); Clip(0, 6) is ReLU6. */
    static void clip(OnnxProto.Node node, ImportContext ctx) throws ExplainException {
        GraphTensor x = ctx.tensor(node, 0);
        OnnxAttributes attrs = OnnxAttributes.of(node);
        float min = attrs.getFloat("min", -Float.MAX_VALUE);
        float max = attrs.getFloat("max", Float.MAX_VALUE);
        if (ctx.hasInput(node, 1)) {
            min = scalar(node, ctx, 1, "min");
        }
        if (ctx.hasInput(node, 2)) {
            max = scalar(node, ctx, 2, "max");
        }
        ctx.emit(node, new Layer.Clip(min, max), x.shape(), x);
    }

    private static float scalar(OnnxProto.Node node, ImportContext ctx, int index, String role)
            throws ExplainException {
        OnnxValue v = ctx.value(node, index);
        if (!(v instanceof OnnxConstant c) || c.size() != 1) {
            throw ctx.unsupported(node, "the " + role + " bound '" + node.getInput(index) + "' must be a constant "
                    + "scalar (a Clip with computed bounds has no layer; ReLU6 exports constant bounds)");
        }
        return (float) c.get(0);
    }

    private static void activation(OnnxProto.Node node, ImportContext ctx, ActivationKind kind, float alpha)
            throws ExplainException {
        GraphTensor x = ctx.tensor(node, 0);
        ctx.emit(node, new Layer.Activation(kind, alpha), x.shape(), x);
    }

    /** max(0, min(1, alpha·x + beta)); beta must be 0.5 (PyTorch's and Keras' hard sigmoids). */
    static void hardSigmoid(OnnxProto.Node node, ImportContext ctx) throws ExplainException {
        OnnxAttributes attrs = OnnxAttributes.of(node);
        float beta = attrs.getFloat("beta", 0.5f);
        if (Math.abs(beta - 0.5f) > 1e-6f) {
            throw ctx.unsupported(node, "HardSigmoid with beta=" + beta + " is not supported (beta must be 0.5, as "
                    + "PyTorch's hardsigmoid and Keras' hard_sigmoid export it)");
        }
        activation(node, ctx, ActivationKind.HARD_SIGMOID, attrs.getFloat("alpha", 0.2f));
    }

    /** Opset 20's Gelu: approximate="none" or "tanh". */
    static void gelu(OnnxProto.Node node, ImportContext ctx) throws ExplainException {
        String approximate = OnnxAttributes.of(node).getString("approximate", "none");
        activation(node, ctx, approximate.equals("tanh") ? ActivationKind.GELU_TANH : ActivationKind.GELU, 0f);
    }

    /** A computed tensor to a constant power (decomposed LayerNorm squares the centred input). */
    static void pow(OnnxProto.Node node, ImportContext ctx) throws ExplainException {
        OnnxValue base = ctx.value(node, 0);
        OnnxConstant exponent = ctx.constant(node, 1, "exponent");
        if (base instanceof OnnxConstant c) {
            ctx.define(node, OnnxConstant.broadcast(c, exponent, Math::pow));
            return;
        }
        GraphTensor x = (GraphTensor) base;
        if (exponent.size() != 1) {
            throw ctx.unsupported(node, "only a scalar exponent is supported");
        }
        ctx.emit(node, new Layer.ConstantOp(ConstantOpKind.POW, exponent.toWeights(), false), x.shape(), x);
    }

    /** Mean over non-batch axes (attribute before opset 18, input from 18). */
    static void reduceMean(OnnxProto.Node node, ImportContext ctx) throws ExplainException {
        GraphTensor x = ctx.tensor(node, 0);
        OnnxAttributes attrs = OnnxAttributes.of(node);
        long[] axes = attrs.has("axes") ? attrs.getInts("axes")
                : ctx.hasInput(node, 1) ? ctx.longs(node, 1, "axes") : null;
        if (axes == null) {
            throw ctx.unsupported(node, "ReduceMean over every axis (the batch included) is not supported");
        }
        boolean keep = attrs.getInt("keepdims", 1) != 0;
        int[] raw = new int[axes.length];
        long[] out = x.shape().clone();
        for (int i = 0; i < axes.length; i++) {
            int axis = ShapeOps.normalizeAxis(node, ctx, axes[i], x.rank());
            if (axis == 0) {
                throw ctx.unsupported(node, "ReduceMean over the batch axis is not supported");
            }
            // a mean over the last axis stays −1, which is how LayerNorm patterns are recognised
            raw[i] = axis == x.rank() - 1 ? -1 : axis;
            out[axis] = keep ? 1 : -2;
        }
        long[] shape = keep ? out : Arrays.stream(out).filter(d -> d != -2).toArray();
        ctx.emit(node, new Layer.ReduceMean(raw, keep), shape, x);
    }

    /** LayerNormalization (opset 17) over the last axis with constant scale and bias. */
    static void layerNorm(OnnxProto.Node node, ImportContext ctx) throws ExplainException {
        GraphTensor x = ctx.tensor(node, 0);
        OnnxAttributes attrs = OnnxAttributes.of(node);
        int axis = ShapeOps.normalizeAxis(node, ctx, attrs.getInt("axis", -1), x.rank());
        if (axis != x.rank() - 1) {
            throw ctx.unsupported(node, "LayerNormalization over axes " + axis + ".. is not supported; only over the "
                    + "last axis (PyTorch's nn.LayerNorm(C) on channels-last data)");
        }
        long c = x.dim(axis);
        Weights scale = vector(node, ctx, 1, "scale", c);
        Weights bias = ctx.hasInput(node, 2) ? vector(node, ctx, 2, "bias", c) : null;
        ctx.emit(node, new Layer.LayerNorm(scale, bias, attrs.getFloat("epsilon", 1e-5f)), x.shape(), x);
    }

    private static Weights vector(OnnxProto.Node node, ImportContext ctx, int index, String role, long length)
            throws ExplainException {
        Weights w = ctx.weights(node, index, role);
        if (w.size() != length) {
            throw ctx.corrupt(node, "the " + role + " has " + w.size() + " values for an axis of " + length);
        }
        return new Weights(w.data(), new long[] {length});
    }

    /** NumPy broadcasting of two full shapes (batch axis −1 stays −1), or null when they do not broadcast. */
    static long[] broadcastShape(long[] a, long[] b) {
        int rank = Math.max(a.length, b.length);
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            long da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            long db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da == db || db == 1) {
                out[i] = da;
            } else if (da == 1) {
                out[i] = db;
            } else {
                return null;
            }
        }
        return out;
    }
}
