package io.signstream.engine.onnx;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import io.signstream.engine.onnx.proto.OnnxProto;
import java.util.Map;
import java.util.TreeMap;

/** Dispatches ONNX nodes to the translator of their op; the op families live in their own classes. */
final class OnnxOpTranslator {

    private final Map<String, OpTranslator> ops = new TreeMap<>();

    OnnxOpTranslator() {
        DenseOps.register(ops);
        ConvPoolOps.register(ops);
        ArithmeticOps.register(ops);
        PointwiseOps.register(ops);
        ShapeOps.register(ops);
        ConstantFolding.register(ops);
        TensorOps.register(ops);
    }

    void translate(OnnxProto.Node node, ImportContext ctx) throws ExplainException {
        String domain = node.getDomain();
        OpTranslator t = domain.isEmpty() || domain.equals("ai.onnx") ? ops.get(node.getOpType()) : null;
        if (t == null) {
            String op = domain.isEmpty() || domain.equals("ai.onnx") ? node.getOpType()
                    : domain + "." + node.getOpType();
            throw new ExplainException(Kind.UNSUPPORTED_MODEL, "unsupported ONNX op '" + op + "' in node '"
                    + ImportContext.displayName(node) + "'" + OnnxOpHints.describe(node, node.getOpType())
                    + " (supported: " + String.join(", ", ops.keySet()) + ")");
        }
        if (readsPerSampleTensor(node, ctx)) {
            PerSampleOps.translate(node, ctx);
        } else {
            t.translate(node, ctx);
        }
    }

    /** Whether an input is a tensor whose batch axis an earlier node moved (see {@link PerSampleOps}). */
    private static boolean readsPerSampleTensor(OnnxProto.Node node, ImportContext ctx) throws ExplainException {
        for (String in : node.getInputList()) {
            if (!in.isEmpty() && ctx.lookup(in) instanceof GraphTensor t && t.perSample()) {
                return true;
            }
        }
        return false;
    }
}
