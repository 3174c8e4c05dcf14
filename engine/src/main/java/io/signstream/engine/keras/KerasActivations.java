package io.signstream.engine.keras;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import io.signstream.engine.graph.ActivationKind;
import io.signstream.engine.graph.Layer;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keras activations as graph nodes: the fused {@code activation} of Dense/Conv layers and the Activation, ReLU
 * (with {@code max_value}: a clip, e.g. ReLU6), LeakyReLU and Softmax layers. Explanations start from the logits, so a softmax is dropped (with a warning) when
 * it is the model's last operation; a softmax anywhere else changes what the model computes and is refused.
 */
final class KerasActivations {

    private static final Logger LOG = LoggerFactory.getLogger(KerasActivations.class);

    private KerasActivations() {
    }

    /**
     * Applies a named activation to {@code in}.
     *
     * @param nodeName the name for the activation node
     * @param isOutput whether this activation is the model's last operation
     */
    static KerasTensor apply(String activation, KerasLayer layer, KerasTensor in, String nodeName, boolean isOutput,
            KerasGraphBuilder b) throws ExplainException {
        String name = activation == null ? "linear" : activation.toLowerCase(Locale.ROOT);
        switch (name) {
            case "linear":
            case "identity":
                return in;
            case "relu":
                return node(Layer.Activation.of(ActivationKind.RELU), in, nodeName, b);
            case "sigmoid":
                return node(Layer.Activation.of(ActivationKind.SIGMOID), in, nodeName, b);
            case "tanh":
                return node(Layer.Activation.of(ActivationKind.TANH), in, nodeName, b);
            case "leaky_relu":
                // keras.activations.leaky_relu's default negative slope
                return node(new Layer.Activation(ActivationKind.LEAKY_RELU, 0.2f), in, nodeName, b);
            case "relu6":
                return node(Layer.Clip.relu6(), in, nodeName, b);
            case "swish":
            case "silu":
                return node(Layer.Activation.of(ActivationKind.SILU), in, nodeName, b);
            case "gelu":
                // Keras 3's default (approximate=False) and TF.js's gelu: the exact erf form
                return node(Layer.Activation.of(ActivationKind.GELU), in, nodeName, b);
            case "gelu_new":
                // TF.js's name for the tanh approximation
                return node(Layer.Activation.of(ActivationKind.GELU_TANH), in, nodeName, b);
            case "softmax":
                return softmax(layer, in, isOutput, b);
            default:
                throw new ExplainException(Kind.UNSUPPORTED_MODEL, b.modelName() + ": " + layer.describe()
                        + " uses activation '" + activation + "', which is not supported (supported: linear, relu, "
                        + "relu6, sigmoid, tanh, leaky_relu, swish/silu, gelu, gelu_new, and softmax as the model's "
                        + "last operation)");
        }
    }

    /** The Activation, ReLU, LeakyReLU and Softmax layers. */
    static KerasTensor layer(KerasLayer layer, KerasTensor in, boolean isOutput, KerasGraphBuilder b)
            throws ExplainException {
        switch (layer.className()) {
            case "Activation":
                return apply(KerasJson.activation(layer, "activation"), layer, in, layer.name(), isOutput, b);
            case "Softmax":
                return softmax(layer, in, isOutput, b);
            case "ReLU":
                return relu(layer, in, b);
            case "LeakyReLU":
                // Keras 2 calls the slope alpha, Keras 3 negative_slope; both default to 0.3.
                double slope = KerasJson.number(layer, "negative_slope", KerasJson.number(layer, "alpha", 0.3));
                return node(new Layer.Activation(ActivationKind.LEAKY_RELU, (float) slope), in, layer.name(), b);
            default:
                throw new IllegalStateException("not an activation layer: " + layer.className());
        }
    }

    private static KerasTensor relu(KerasLayer layer, KerasTensor in, KerasGraphBuilder b) throws ExplainException {
        double slope = KerasJson.number(layer, "negative_slope", 0);
        double threshold = KerasJson.number(layer, "threshold", 0);
        var maxValue = layer.config().get("max_value");
        boolean capped = maxValue != null && !maxValue.isJsonNull();
        if (threshold != 0 || (capped && slope != 0)) {
            throw new ExplainException(Kind.UNSUPPORTED_MODEL, b.modelName() + ": " + layer.describe()
                    + " has a threshold or a max_value with a negative slope; the plain, the leaky and the capped "
                    + "ReLU (max_value, e.g. ReLU6) are supported");
        }
        if (capped) {
            double max = KerasJson.number(layer, "max_value", 6);
            if (!(max > 0) || Double.isInfinite(max)) {
                throw new ExplainException(Kind.CORRUPT_MODEL, b.modelName() + ": " + layer.describe()
                        + " has max_value " + max);
            }
            return new KerasTensor(b.add(layer.name(), new Layer.Clip(0f, (float) max), in.node()), in.shape(),
                    in.channelsFirst());
        }
        Layer.Activation a = slope == 0 ? Layer.Activation.of(ActivationKind.RELU)
                : new Layer.Activation(ActivationKind.LEAKY_RELU, (float) slope);
        return node(a, in, layer.name(), b);
    }

    private static KerasTensor softmax(KerasLayer layer, KerasTensor in, boolean isOutput, KerasGraphBuilder b)
            throws ExplainException {
        if (!isOutput) {
            throw new ExplainException(Kind.UNSUPPORTED_MODEL, b.modelName() + ": " + layer.describe()
                    + " applies a softmax inside the model; only a softmax on the model output can be removed");
        }
        LOG.warn("Keras model {}: removed the final softmax of {}; explanations start from the logits",
                b.modelName(), layer.describe());
        return in;
    }

    private static KerasTensor node(Layer a, KerasTensor in, String name, KerasGraphBuilder b) {
        return new KerasTensor(b.add(name, a, in.node()), in.shape(), in.channelsFirst());
    }
}
