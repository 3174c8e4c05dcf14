package io.signstream.engine.onnx;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.graph.ConstantOpKind;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.onnx.proto.OnnxProto;
import java.util.Arrays;
import java.util.Map;
import java.util.function.DoubleBinaryOperator;

/**
 * Add, Sub, Mul and Div. Tensor ∘ constant (either order) becomes {@link Layer.ConstantOp}; tensor ∘ tensor of the
 * same rank with broadcasting becomes {@link Layer.Add}, {@link Layer.Subtract}, {@link Layer.Multiply} or
 * {@link Layer.Divide}; constant ∘ constant is folded.
 */
final class ArithmeticOps {

    private ArithmeticOps() {
    }

    static void register(Map<String, OpTranslator> ops) {
        ops.put("Add", (node, ctx) -> binary(node, ctx, ConstantOpKind.ADD, Double::sum));
        ops.put("Sub", (node, ctx) -> binary(node, ctx, ConstantOpKind.SUB, (a, b) -> a - b));
        ops.put("Mul", (node, ctx) -> binary(node, ctx, ConstantOpKind.MUL, (a, b) -> a * b));
        // Folded integer results are truncated towards zero (OnnxConstant.broadcast), as ONNX's integer Div.
        ops.put("Div", (node, ctx) -> binary(node, ctx, ConstantOpKind.DIV, (a, b) -> a / b));
    }

    /** The layer of an element-wise {@code kind} of two computed tensors (a Pow of two is refused). */
    static Layer twoTensorLayer(OnnxProto.Node node, ImportContext ctx, ConstantOpKind kind) throws ExplainException {
        return switch (kind) {
            case ADD -> new Layer.Add();
            case SUB -> new Layer.Subtract();
            case MUL -> new Layer.Multiply(Layer.Multiply.NO_GATE);
            case DIV -> new Layer.Divide();
            case POW -> throw ctx.unsupported(node, "Pow of two computed tensors is not supported");
        };
    }

    private static void binary(OnnxProto.Node node, ImportContext ctx, ConstantOpKind kind, DoubleBinaryOperator fold)
            throws ExplainException {
        OnnxValue a = ctx.value(node, 0);
        OnnxValue b = ctx.value(node, 1);
        if (a instanceof OnnxConstant ca && b instanceof OnnxConstant cb) {
            try {
                ctx.define(node, OnnxConstant.broadcast(ca, cb, fold));
            } catch (IllegalArgumentException e) {
                throw ctx.unsupported(node, "cannot fold the constant operands: " + e.getMessage());
            }
        } else if (a instanceof GraphTensor ta && b instanceof GraphTensor tb) {
            long[] shape = ta.rank() == tb.rank() ? TensorOps.broadcastShape(ta.shape(), tb.shape()) : null;
            if (shape == null) {
                throw ctx.unsupported(node, node.getOpType() + " of tensors of shapes " + ta.describeShape() + " and "
                        + tb.describeShape() + " is not supported (they must have the same rank and broadcast)");
            }
            ctx.emit(node, twoTensorLayer(node, ctx, kind), shape, ta, tb);
        } else {
            boolean constantFirst = a instanceof OnnxConstant;
            GraphTensor x = (GraphTensor) (constantFirst ? b : a);
            OnnxConstant c = (OnnxConstant) (constantFirst ? a : b);
            checkBroadcastKeepsShape(node, ctx, x, c);
            if (c.dependsOnBatchSize()) {
                throw ctx.unsupported(node, "the constant operand depends on the batch size");
            }
            ctx.emit(node, new Layer.ConstantOp(kind, c.toWeights(), constantFirst), x.shape(), x);
        }
    }

    /**
     * The constant must broadcast into the tensor without changing its shape and without varying over the batch
     * (a per-sample constant would tie the graph to one batch size).
     */
    private static void checkBroadcastKeepsShape(OnnxProto.Node node, ImportContext ctx, GraphTensor x,
            OnnxConstant c) throws ExplainException {
        long[] cs = c.shape();
        boolean ok = cs.length <= x.rank();
        for (int i = 0; ok && i < cs.length; i++) {
            int axis = x.rank() - cs.length + i;
            ok = cs[i] == 1 || (axis > 0 && cs[i] == x.dim(axis));
        }
        if (!ok) {
            throw ctx.unsupported(node, "the constant of shape " + Arrays.toString(cs)
                    + " does not broadcast onto the tensor of shape " + x.describeShape());
        }
    }
}
