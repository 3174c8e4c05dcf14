package io.signstream.engine.savedmodel;

import io.signstream.engine.api.ExplainException;
import java.util.Map;
import java.util.Set;
import java.util.function.DoubleUnaryOperator;
import org.tensorflow.proto.framework.DataType;

/**
 * Ops that produce import-time values: {@code Const}, variables (their checkpoint values), {@code Cast}, and
 * unary math on constants (Keras's BatchNormalization on dense outputs computes its scale as
 * {@code Rsqrt(moving_variance + ε) · γ} in the graph, which folds to a constant here).
 *
 * <p>A TF1 variable ({@code VariableV2}) is read through an {@code Identity}, which the walk skips, so the
 * variable node itself stands for its value. A TF2 variable is a {@code VarHandleOp} resource read by
 * {@code ReadVariableOp}; the handle stands for the value as well, so the read just forwards it.
 */
final class ConstantOps {

    private static final Set<DataType> INTEGER = Set.of(DataType.DT_INT32, DataType.DT_INT64, DataType.DT_INT16,
            DataType.DT_INT8, DataType.DT_UINT8);

    private ConstantOps() {
    }

    static void register(Map<String, OpRule> rules) {
        rules.put("Const", (op, s) -> TfTensors.decode(s.attr(op, "value").getTensor(),
                s.modelName() + ": Const '" + op.id() + "'"));
        rules.put("VariableV2", ConstantOps::variable);
        rules.put("Variable", ConstantOps::variable);
        rules.put("VarHandleOp", ConstantOps::variable);
        rules.put("ReadVariableOp", (op, s) -> s.constant(op, 0));
        rules.put("Cast", ConstantOps::cast);
        rules.put("Placeholder", ConstantOps::placeholder);
        rules.put("Rsqrt", unary(v -> 1 / Math.sqrt(v)));
        rules.put("Sqrt", unary(Math::sqrt));
        rules.put("Reciprocal", unary(v -> 1 / v));
        rules.put("Inv", unary(v -> 1 / v));
        rules.put("Square", unary(v -> v * v));
        rules.put("Exp", unary(Math::exp));
        rules.put("Log", unary(Math::log));
    }

    /** Math on a constant; on a tensor computed from the input these ops have no graph layer. */
    private static OpRule unary(DoubleUnaryOperator f) {
        return (op, s) -> {
            if (s.value(op, 0) instanceof TfTensor) {
                throw s.unsupported(op, "is applied to a tensor computed from the model input; it is only "
                        + "supported on constants");
            }
            TfConstant c = s.constant(op, 0);
            double[] out = new double[c.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = f.applyAsDouble(c.data()[i]);
            }
            return new TfConstant(out, c.shape());
        };
    }

    private static TfValue variable(TfOp op, ImportState s) throws ExplainException {
        if (!op.id().equals(op.def().getName())) {
            throw s.unsupported(op, "is a variable created inside a function; only top-level variables are read "
                    + "from the checkpoint");
        }
        return s.file().variable(op.def(), op.id());
    }

    private static TfValue cast(TfOp op, ImportState s) throws ExplainException {
        TfValue v = s.value(op, 0);
        DataType to = s.attr(op, "DstT") == null ? DataType.DT_FLOAT : s.attr(op, "DstT").getType();
        if (v instanceof TfTensor t) {
            if (to == DataType.DT_FLOAT) {
                return t; // the graph computes in float32 already
            }
            throw s.unsupported(op, "casts a tensor computed from the model input to " + to);
        }
        TfConstant c = (TfConstant) v;
        if (!INTEGER.contains(to)) {
            return c;
        }
        double[] out = c.data().clone();
        for (int i = 0; i < out.length; i++) {
            out[i] = Double.isNaN(out[i]) ? out[i] : (double) (long) out[i]; // truncation toward zero, as TF casts
        }
        return new TfConstant(out, c.shape());
    }

    private static TfValue placeholder(TfOp op, ImportState s) throws ExplainException {
        if (s.file().assetPlaceholders().contains(op.def().getName())) {
            throw s.unsupported(op, "feeds an asset file path into the serving computation: assets cannot be "
                    + "imported (and DJL 0.28's TensorFlow engine cannot run TF2 SavedModels with asset "
                    + "initialisers either)");
        }
        throw s.unsupported(op, "is a placeholder the serving signature does not feed; only models with one input "
                + "can be explained");
    }
}
