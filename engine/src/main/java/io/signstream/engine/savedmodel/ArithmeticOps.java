package io.signstream.engine.savedmodel;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.graph.ActivationKind;
import io.signstream.engine.graph.ConstantOpKind;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Weights;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleBinaryOperator;

/**
 * Element-wise ops. With a constant operand they become a {@link Layer.ConstantOp} (a bias add after a dense or
 * convolution layer is folded into that layer afterwards, see {@link BiasFolding}); two tensors can be added
 * (residual connections); on constants alone they are evaluated at import time.
 */
final class ArithmeticOps {

    private ArithmeticOps() {
    }

    static void register(Map<String, OpRule> rules) {
        rules.put("Add", (op, s) -> binary(op, s, ConstantOpKind.ADD, Double::sum));
        rules.put("AddV2", (op, s) -> binary(op, s, ConstantOpKind.ADD, Double::sum));
        rules.put("BiasAdd", ArithmeticOps::biasAdd);
        rules.put("Sub", (op, s) -> binary(op, s, ConstantOpKind.SUB, (a, b) -> a - b));
        rules.put("Mul", (op, s) -> binary(op, s, ConstantOpKind.MUL, (a, b) -> a * b));
        rules.put("RealDiv", (op, s) -> binary(op, s, ConstantOpKind.DIV, (a, b) -> a / b));
        rules.put("AddN", ArithmeticOps::addN);
        rules.put("Neg", ArithmeticOps::negate);
        rules.put("Relu", (op, s) -> activation(op, s, Layer.Activation.of(ActivationKind.RELU)));
        rules.put("Sigmoid", (op, s) -> activation(op, s, Layer.Activation.of(ActivationKind.SIGMOID)));
        rules.put("Tanh", (op, s) -> activation(op, s, Layer.Activation.of(ActivationKind.TANH)));
        rules.put("LeakyRelu", (op, s) -> activation(op, s,
                new Layer.Activation(ActivationKind.LEAKY_RELU, s.floatAttr(op, "alpha", 0.2f))));
    }

    private static TfValue binary(TfOp op, ImportState s, ConstantOpKind kind, DoubleBinaryOperator fold)
            throws ExplainException {
        TfValue a = s.value(op, 0);
        TfValue b = s.value(op, 1);
        if (a instanceof TfConstant ca && b instanceof TfConstant cb) {
            try {
                return ConstantMath.binary(ca, cb, fold);
            } catch (IllegalArgumentException e) {
                throw s.corrupt(op, e.getMessage());
            }
        }
        if (a instanceof TfTensor t && b instanceof TfConstant c) {
            return constantOp(op, s, kind, t, c, false);
        }
        if (a instanceof TfConstant c && b instanceof TfTensor t) {
            return constantOp(op, s, kind, t, c, true);
        }
        TfTensor x = (TfTensor) a;
        TfTensor y = (TfTensor) b;
        if (kind != ConstantOpKind.ADD && kind != ConstantOpKind.SUB) {
            throw s.unsupported(op, "combines two tensors computed from the model input; only their sum or "
                    + "difference can be explained");
        }
        if (!Arrays.equals(x.shape(), y.shape())) {
            throw s.unsupported(op, "adds tensors of shapes " + x.describe() + " and " + y.describe()
                    + "; broadcasting between two tensors is not supported");
        }
        GraphBuilder g = s.builder();
        y = g.like(y, x);
        if (kind == ConstantOpKind.SUB) {
            String negated = g.add(op.id() + "/neg", new Layer.ConstantOp(ConstantOpKind.MUL,
                    ones(x.rank(), -1f), false), y.node());
            y = new TfTensor(negated, y.shape(), y.channelsFirst());
        }
        return new TfTensor(g.add(op.id(), new Layer.Add(), List.of(x.node(), y.node())), x.shape(),
                x.channelsFirst());
    }

    /** {@code AddN(a, b, c, ...)} of tensors of one shape: a chain of two-input adds (constants fold). */
    private static TfValue addN(TfOp op, ImportState s) throws ExplainException {
        int n = op.inputs().size();
        TfValue first = s.value(op, 0);
        if (first instanceof TfConstant c) {
            TfConstant sum = c;
            for (int i = 1; i < n; i++) {
                sum = ConstantMath.binary(sum, s.constant(op, i), Double::sum);
            }
            return sum;
        }
        TfTensor sum = s.tensor(op, 0);
        GraphBuilder g = s.builder();
        for (int i = 1; i < n; i++) {
            TfTensor next = s.tensor(op, i);
            if (!Arrays.equals(next.shape(), sum.shape())) {
                throw s.unsupported(op, "adds tensors of shapes " + sum.describe() + " and " + next.describe());
            }
            String name = g.add(i == n - 1 ? op.id() : op.id() + "/partial_" + i, new Layer.Add(),
                    List.of(sum.node(), g.like(next, sum).node()));
            sum = new TfTensor(name, sum.shape(), sum.channelsFirst());
        }
        return sum;
    }

    /** {@code BiasAdd(x, b)}: b along the channel axis, the last one in NHWC, axis 1 in NCHW. */
    private static TfValue biasAdd(TfOp op, ImportState s) throws ExplainException {
        TfValue x = s.value(op, 0);
        TfConstant bias = s.constant(op, 1);
        if (s.stringAttr(op, "data_format", "NHWC").equals("NCHW") && x instanceof TfTensor t && t.rank() > 2) {
            long[] shape = new long[t.rank() - 1];
            Arrays.fill(shape, 1);
            shape[0] = bias.size();
            bias = new TfConstant(bias.data(), shape);
        }
        if (x instanceof TfConstant c) {
            return ConstantMath.binary(c, bias, Double::sum);
        }
        return constantOp(op, s, ConstantOpKind.ADD, (TfTensor) x, bias, false);
    }

    private static TfValue negate(TfOp op, ImportState s) throws ExplainException {
        TfValue x = s.value(op, 0);
        if (x instanceof TfConstant c) {
            return ConstantMath.binary(c, TfConstant.scalar(-1), (a, b) -> a * b);
        }
        return constantOp(op, s, ConstantOpKind.MUL, (TfTensor) x, TfConstant.scalar(-1), false);
    }

    private static TfValue activation(TfOp op, ImportState s, Layer.Activation layer) throws ExplainException {
        TfTensor x = s.tensor(op, 0);
        return new TfTensor(s.builder().add(op.id(), layer, x.node()), x.shape(), x.channelsFirst());
    }

    /**
     * A tensor combined with a constant. The constant is broadcast the TensorFlow way (right-aligned against the
     * TensorFlow shape), so it is first given the tensor's full rank and then, for a tensor held channels first,
     * transposed the same way: a per-channel bias [C] becomes [1, C, 1, 1].
     */
    static TfTensor constantOp(TfOp op, ImportState s, ConstantOpKind kind, TfTensor t, TfConstant c,
            boolean constantFirst) throws ExplainException {
        int r = t.rank();
        if (c.rank() > r) {
            throw s.unsupported(op, "broadcasts a tensor " + t.describe() + " to the constant's larger shape "
                    + Arrays.toString(c.shape()));
        }
        long[] full = new long[r];
        Arrays.fill(full, 1);
        System.arraycopy(c.shape(), 0, full, r - c.rank(), c.rank());
        for (int i = 0; i < r; i++) {
            boolean fits = full[i] == 1 || (i > 0 && full[i] == t.shape()[i]);
            if (!fits) {
                throw s.unsupported(op, "combines a tensor " + t.describe() + " with a constant of shape "
                        + Arrays.toString(c.shape()) + (i == 0 ? " that varies along the batch axis"
                        : " that does not broadcast to it"));
            }
        }
        TfConstant expanded = new TfConstant(c.data(), full);
        if (t.channelsFirst()) {
            expanded = ConstantMath.transpose(expanded, GraphBuilder.toChannelsFirst(r));
        }
        Weights w = expanded.weights();
        String node = s.builder().add(op.id(), new Layer.ConstantOp(kind, w, constantFirst), t.node());
        return new TfTensor(node, t.shape(), t.channelsFirst());
    }

    private static Weights ones(int rank, float value) {
        long[] shape = new long[rank];
        Arrays.fill(shape, 1);
        return new Weights(new float[] {value}, shape);
    }
}
