package io.signstream.engine.savedmodel;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The op rules by TensorFlow op type, and the check that every op of a serving graph has one. */
final class TfOpTranslator {

    private static final Map<String, OpRule> RULES;

    static {
        Map<String, OpRule> rules = new HashMap<>();
        ConstantOps.register(rules);
        ArithmeticOps.register(rules);
        KernelOps.register(rules);
        SpatialOps.register(rules);
        ShapeOps.register(rules);
        RULES = Collections.unmodifiableMap(rules);
    }

    private TfOpTranslator() {
    }

    /**
     * Fails with every op type that has no rule, so that one error lists all that a model lacks.
     *
     * @param assetsNote appended to the message (empty, or why assets matter)
     */
    static void checkSupported(List<TfOp> ops, String modelName, String assetsNote) throws ExplainException {
        Map<String, String> missing = new TreeMap<>();
        for (TfOp op : ops) {
            if (!op.modelInput() && !RULES.containsKey(op.type())) {
                missing.putIfAbsent(op.type(), op.id());
            }
        }
        if (!missing.isEmpty()) {
            StringBuilder sb = new StringBuilder();
            missing.forEach((type, id) -> sb.append(sb.length() == 0 ? "" : ", ").append(type).append(" (e.g. '")
                    .append(id).append("')"));
            throw new ExplainException(Kind.UNSUPPORTED_MODEL, modelName + " uses TensorFlow ops that cannot be "
                    + "explained: " + sb + assetsNote);
        }
    }

    static void translate(TfOp op, ImportState state) throws ExplainException {
        state.put(op, RULES.get(op.type()).apply(op, state));
    }
}
