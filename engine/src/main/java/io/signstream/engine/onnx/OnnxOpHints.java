package io.signstream.engine.onnx;

import io.signstream.engine.onnx.proto.OnnxProto;
import java.util.Map;

/**
 * What an unsupported ONNX op usually is in the framework that exported it, and what would work instead: the part
 * of the one-line error that tells a user which layer to change.
 */
final class OnnxOpHints {

    /** The framework layer an op comes from, and the alternative. */
    private record Hint(String layer, String instead) {
    }

    private static final String SHAPE_MATH = "shape arithmetic that depends on the batch size (e.g. a class token "
            + "expanded to the batch)";
    private static final String FIXED_BATCH = "export with a fixed input shape and do_constant_folding=True so that "
            + "the exporter folds it, or explain the model's TorchScript trace";

    private static final Map<String, Hint> HINTS = Map.ofEntries(
            Map.entry("Resize", new Hint("nn.Upsample / F.interpolate", "explain the part of the model before the "
                    + "upsampling, or export a classifier without it")),
            Map.entry("Upsample", new Hint("nn.Upsample", "explain the part of the model before the upsampling")),
            Map.entry("ConvTranspose", new Hint("nn.ConvTranspose2d", "use a classifier without transposed "
                    + "convolutions")),
            Map.entry("LSTM", new Hint("nn.LSTM", "only feed-forward graphs are imported")),
            Map.entry("GRU", new Hint("nn.GRU", "only feed-forward graphs are imported")),
            Map.entry("RNN", new Hint("nn.RNN", "only feed-forward graphs are imported")),
            Map.entry("InstanceNormalization", new Hint("nn.InstanceNorm2d", "use BatchNorm or LayerNorm")),
            Map.entry("Einsum", new Hint("torch.einsum", "write the product with matmul")),
            Map.entry("ConstantOfShape", new Hint(SHAPE_MATH, FIXED_BATCH)),
            Map.entry("Expand", new Hint(SHAPE_MATH, FIXED_BATCH)),
            Map.entry("Where", new Hint(SHAPE_MATH + " or a mask", FIXED_BATCH)),
            Map.entry("Equal", new Hint(SHAPE_MATH, FIXED_BATCH)),
            Map.entry("Range", new Hint(SHAPE_MATH, FIXED_BATCH)),
            Map.entry("Split", new Hint("torch.split / chunk", "slice with indexing (x[:, a:b]), which exports as "
                    + "Slice")),
            Map.entry("ReduceMax", new Hint("torch.amax / max over an axis", "use max pooling")),
            Map.entry("ReduceSum", new Hint("torch.sum over an axis", "use a mean (ReduceMean) or average pooling")),
            Map.entry("Exp", new Hint("torch.exp", "use an activation the importer lists")),
            Map.entry("Log", new Hint("torch.log", "remove a trailing log-softmax; it is not needed for explanations")),
            Map.entry("Mish", new Hint("nn.Mish", "use SiLU (x·sigmoid(x)), which is supported")),
            Map.entry("Elu", new Hint("nn.ELU", "use ReLU, LeakyReLU, SiLU or GELU")),
            Map.entry("Selu", new Hint("nn.SELU", "use ReLU, LeakyReLU, SiLU or GELU")),
            Map.entry("Softplus", new Hint("nn.Softplus", "use ReLU, SiLU or GELU")),
            Map.entry("PRelu", new Hint("nn.PReLU", "use LeakyReLU with a fixed slope")));

    private OnnxOpHints() {
    }

    /**
     * ", from module 'features.0.2' (nn.Upsample / F.interpolate); instead: …" — the module when the node's name
     * is a PyTorch scope, the layer and the alternative when the op is a known one; empty when nothing is known.
     */
    static String describe(OnnxProto.Node node, String op) {
        StringBuilder sb = new StringBuilder();
        String name = node.getName();
        if (name.startsWith("/")) {
            String[] segments = name.substring(1).split("/");
            if (segments.length >= 2 && !segments[segments.length - 2].isEmpty()) {
                sb.append(", from module '").append(segments[segments.length - 2]).append('\'');
            }
        }
        Hint h = HINTS.get(op);
        if (h != null) {
            sb.append(sb.length() == 0 ? ", " : " ").append("(").append(h.layer()).append("); instead: ")
                    .append(h.instead());
        }
        return sb.toString();
    }
}
