package io.signstream.engine.onnx;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.graph.ActivationKind;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Weights;
import io.signstream.engine.onnx.proto.OnnxProto;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Single-input layers that keep the shape: activations, inference batch normalisation, Dropout/Identity, Softmax
 * inside the graph (attention) and the output Softmax that explanations must not see.
 */
final class PointwiseOps {

    private static final Logger LOG = LoggerFactory.getLogger(PointwiseOps.class);

    private PointwiseOps() {
    }

    static void register(Map<String, OpTranslator> ops) {
        ops.put("Relu", (node, ctx) -> activation(node, ctx, ActivationKind.RELU, 0f));
        ops.put("Sigmoid", (node, ctx) -> activation(node, ctx, ActivationKind.SIGMOID, 0f));
        ops.put("Tanh", (node, ctx) -> activation(node, ctx, ActivationKind.TANH, 0f));
        ops.put("LeakyRelu", (node, ctx) -> activation(node, ctx, ActivationKind.LEAKY_RELU,
                OnnxAttributes.of(node).getFloat("alpha", 0.01f)));
        ops.put("BatchNormalization", PointwiseOps::batchNorm);
        ops.put("Dropout", PointwiseOps::identity);
        ops.put("Identity", PointwiseOps::identity);
        ops.put("Softmax", PointwiseOps::outputSoftmax);
        ops.put("LogSoftmax", PointwiseOps::outputSoftmax);
    }

    private static void activation(OnnxProto.Node node, ImportContext ctx, ActivationKind kind, float alpha)
            throws ExplainException {
        GraphTensor x = ctx.tensor(node, 0);
        ctx.emit(node, new Layer.Activation(kind, alpha), x.shape(), x);
    }

    private static void batchNorm(OnnxProto.Node node, ImportContext ctx) throws ExplainException {
        OnnxAttributes attrs = OnnxAttributes.of(node);
        if (attrs.getInt("training_mode", 0) != 0) {
            throw ctx.unsupported(node, "training_mode=1 is not supported (export the model in eval mode)");
        }
        if (attrs.getInt("spatial", 1) != 1) {
            throw ctx.unsupported(node, "spatial=0 (per-element statistics) is not supported");
        }
        GraphTensor x = ctx.tensor(node, 0);
        if (x.rank() < 2) {
            throw ctx.corrupt(node, "input has no channel axis");
        }
        long channels = x.dim(1);
        Weights[] p = new Weights[4];
        String[] roles = {"scale", "bias", "mean", "variance"};
        for (int i = 0; i < 4; i++) {
            Weights w = ctx.weights(node, i + 1, roles[i]);
            if (w.size() != channels) {
                throw ctx.corrupt(node, "the " + roles[i] + " has " + w.size() + " values for " + channels
                        + " channels");
            }
            p[i] = new Weights(w.data(), new long[] {channels});
        }
        float eps = attrs.getFloat("epsilon", 1e-5f);
        ctx.emit(node, new Layer.BatchNorm(p[0], p[1], p[2], p[3], eps), x.shape(), x);
    }

    /** Identity and inference Dropout; on a constant they just pass the constant on. */
    private static void identity(OnnxProto.Node node, ImportContext ctx) throws ExplainException {
        if (node.getOpType().equals("Dropout") && ctx.hasInput(node, 2)) {
            OnnxConstant training = ctx.constant(node, 2, "training_mode");
            if (training.size() == 1 && training.get(0) != 0) {
                throw ctx.unsupported(node, "Dropout in training mode is not supported");
            }
        }
        OnnxValue v = ctx.value(node, 0);
        if (v instanceof GraphTensor x) {
            ctx.emit(node, new Layer.Identity(node.getOpType()), x.shape(), x);
        } else {
            ctx.define(node, v);
        }
    }

    /**
     * Explanations start from the logits, so a Softmax that produces the model output is dropped: the output
     * becomes its input. A Softmax anywhere else (attention weights) is a {@link Layer.Softmax}.
     */
    private static void outputSoftmax(OnnxProto.Node node, ImportContext ctx) throws ExplainException {
        GraphTensor x = ctx.tensor(node, 0);
        if (!node.getOutput(0).equals(ctx.graphOutput())) {
            if (node.getOpType().equals("LogSoftmax")) {
                throw ctx.unsupported(node, "LogSoftmax is supported only as the last op (it is removed so that "
                        + "explanations start from the logits)");
            }
            // Opset 13 semantics (one axis, default −1); before 13 the input was coerced to 2-D at the axis,
            // which is the same for the last axis, the only one exporters use inside a graph.
            int axis = ShapeOps.normalizeAxis(node, ctx, OnnxAttributes.of(node).getInt("axis", -1), x.rank());
            if (axis == 0) {
                throw ctx.unsupported(node, "Softmax over the batch axis is not supported");
            }
            ctx.emit(node, new Layer.Softmax(axis == x.rank() - 1 ? -1 : axis), x.shape(), x);
            return;
        }
        LOG.warn("ONNX {}: removed the trailing {}; the imported model outputs logits",
                ImportContext.describe(node), node.getOpType());
        ctx.define(node, x);
    }
}
