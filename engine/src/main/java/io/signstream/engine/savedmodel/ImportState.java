package io.signstream.engine.savedmodel;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import io.signstream.engine.savedmodel.TfOp.TfOutput;
import java.util.HashMap;
import java.util.Map;
import org.tensorflow.proto.framework.AttrValue;

/**
 * The state of one import: what each TensorFlow tensor stands for so far, the graph under construction, and
 * helpers that read an op's operands and attributes with messages naming the op.
 */
final class ImportState {

    private final SavedModelFile file;
    private final GraphBuilder builder;
    private final Map<String, TfValue> values = new HashMap<>();

    ImportState(SavedModelFile file, GraphBuilder builder) {
        this.file = file;
        this.builder = builder;
    }

    SavedModelFile file() {
        return file;
    }

    GraphBuilder builder() {
        return builder;
    }

    String modelName() {
        return file.name();
    }

    void put(TfOp op, TfValue value) {
        values.put(key(op, 0), value);
    }

    /** The value of an op's output (which must have been translated). */
    TfValue value(TfOutput out) throws ExplainException {
        if (out.index() != 0) {
            throw unsupported(out.op(), "is read at output " + (out.index() < 0 ? "other than y" : out.index())
                    + "; only its first output can be imported");
        }
        TfValue v = values.get(key(out.op(), 0));
        if (v == null) {
            throw new IllegalStateException("op " + out.op().id() + " used before it was translated");
        }
        return v;
    }

    TfValue value(TfOp op, int input) throws ExplainException {
        if (input >= op.inputs().size()) {
            throw corrupt(op, "has " + op.inputs().size() + " inputs, input #" + input + " is missing");
        }
        return value(op.inputs().get(input));
    }

    /** Operand {@code input} as a tensor that depends on the model input. */
    TfTensor tensor(TfOp op, int input) throws ExplainException {
        TfValue v = value(op, input);
        if (v instanceof TfTensor t) {
            return t;
        }
        throw unsupported(op, "takes a constant as operand #" + input + " where a tensor computed from the model "
                + "input is expected");
    }

    /** Operand {@code input} as an import-time constant. */
    TfConstant constant(TfOp op, int input) throws ExplainException {
        TfValue v = value(op, input);
        if (v instanceof TfConstant c) {
            return c;
        }
        throw unsupported(op, "computes operand #" + input + " from the model input where only a constant "
                + "(weights, shape) can be imported");
    }

    /** A constant operand holding whole numbers (axes, shapes), with the batch size as -1 where it is unknown. */
    long[] ints(TfOp op, int input) throws ExplainException {
        TfConstant c = constant(op, input);
        long[] out = new long[c.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = Double.isNaN(c.data()[i]) ? -1 : (long) c.data()[i];
        }
        return out;
    }

    AttrValue attr(TfOp op, String name) {
        return op.def().getAttrMap().get(name);
    }

    String stringAttr(TfOp op, String name, String fallback) {
        AttrValue a = attr(op, name);
        return a == null ? fallback : a.getS().toStringUtf8();
    }

    float floatAttr(TfOp op, String name, float fallback) {
        AttrValue a = attr(op, name);
        return a == null ? fallback : a.getF();
    }

    boolean boolAttr(TfOp op, String name, boolean fallback) {
        AttrValue a = attr(op, name);
        return a == null ? fallback : a.getB();
    }

    long intAttr(TfOp op, String name, long fallback) {
        AttrValue a = attr(op, name);
        return a == null ? fallback : a.getI();
    }

    /** A list-of-ints attribute such as {@code strides}; null when absent. */
    long[] intsAttr(TfOp op, String name) {
        AttrValue a = attr(op, name);
        return a == null ? null : a.getList().getIList().stream().mapToLong(Long::longValue).toArray();
    }

    ExplainException unsupported(TfOp op, String why) {
        return new ExplainException(Kind.UNSUPPORTED_MODEL, modelName() + ": " + op.describe() + " " + why);
    }

    ExplainException corrupt(TfOp op, String why) {
        return new ExplainException(Kind.CORRUPT_MODEL, modelName() + ": " + op.describe() + " " + why);
    }

    private static String key(TfOp op, int index) {
        return op.id() + ":" + index;
    }
}
