package io.signstream.engine.keras;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import io.signstream.engine.graph.ActivationKind;
import io.signstream.engine.graph.Layer;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keras activations as graph nodes: the fused {@code activation} of Dense/Conv layers and the Activation, ReLU,
 * LeakyReLU and Softmax layers. Explanations start from the logits, so a softmax is dropped (with a warning) when
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
            case "softmax":
                return softmax(layer, in, isOutput, b);
            default:
                throw new ExplainException(Kind.UNSUPPORTED_MODEL, b.modelName() + ": " + layer.describe()
                        + " uses activation '" + activation + "', which is not supported (supported: linear, relu, "
                        + "sigmoid, tanh, leaky_relu, and softmax as the model's last operation)");
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
        if (KerasJson.has(layer.config(), "max_value") || threshold != 0) {
            throw new ExplainException(Kind.UNSUPPORTED_MODEL, b.modelName() + ": " + layer.describe()
                    + " has a max_value or threshold; only the plain and the leaky ReLU are supported");
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

    private static KerasTensor node(Layer.Activation a, KerasTensor in, String name, KerasGraphBuilder b) {
        return new KerasTensor(b.add(name, a, in.node()), in.shape(), in.channelsFirst());
    }
}
