package io.signstream.engine.keras;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import io.signstream.engine.graph.Graph;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns a Keras model config (Sequential or functional; Keras 2, Keras 3 or TensorFlow.js) plus its stored
 * variables into a SignStream {@link Graph}. Shared by {@link KerasH5Importer}, {@link KerasArchiveImporter} and
 * {@link TfjsImporter}.
 *
 * <h2>Layout: Keras is channels-last, the graph channels-first</h2>
 * The graph's convolution and pooling nodes compute on (N, C, spatial...) with (out, in, k...) kernels, while a
 * Keras model computes on (N, spatial..., C). The import keeps the model's interface in the Keras layout and
 * converts inside:
 * <ul>
 *   <li>the graph input is the Keras input: {@link Graph#sampleShape()} is the Keras input shape and
 *       {@link Graph#layout()} is NHWC, NTC or NC, so inputs and relevance maps are in the Keras layout;</li>
 *   <li>the first layer that needs channels-first data reads a {@code Transpose} (NHWC → NCHW) node placed right
 *       after the input (or after a leading Reshape); the gradient and the LRP rule of a Transpose route the
 *       signal back exactly, so nothing is lost;</li>
 *   <li>kernels are converted: Conv2D HWIO → OIHW, Conv1D (K, in, out) → (out, in, K), Dense (in, out) →
 *       (out, in);</li>
 *   <li>before a Flatten (or Reshape) the data goes back to channels-last through another Transpose, so the
 *       flattened order is the one Keras computed with and the first Dense kernel is used as stored (permuting
 *       its rows instead would be equivalent, but the Transpose is simpler and obviously exact).</li>
 * </ul>
 *
 * <p>Nodes carry the Keras layer names; a fused activation is its own node {@code <layer>/<activation>} (so the
 * Keras output of a {@code Conv2D(..., activation="relu")} named {@code conv2d_1} is the node
 * {@code conv2d_1/relu}), helper nodes carry suffixes ({@code /channels_first}, {@code /squeeze}).
 *
 * <p>Supported layers: InputLayer, Dense, Conv1D, Conv2D (valid/same/causal padding, strides, dilation, groups),
 * DepthwiseConv2D and SeparableConv2D (depth_multiplier, same options),
 * MaxPooling1D/2D, AveragePooling1D/2D, GlobalAverage/MaxPooling1D/2D, Flatten, Reshape, Activation, ReLU,
 * ReLU with max_value (ReLU6), LeakyReLU, BatchNormalization, LayerNormalization (last axis), Dropout (and the
 * other inference-time identities), Add, Multiply (with broadcasting: squeeze-excitation gates), Concatenate,
 * ZeroPadding1D/2D; activations linear, relu, relu6, sigmoid, tanh, leaky_relu, swish/silu, gelu (and TF.js's
 * gelu_new), and softmax as the model's last operation (removed with a warning). Anything else is an {@link Kind#UNSUPPORTED_MODEL} error naming the layer
 * class and the layer.
 *
 * <pre>{@code
 * KerasTopology topology = KerasTopology.parse(KerasJson.parseObject(json, "config.json"), "lenet");
 * Graph graph = KerasConfigTranslator.translate(topology, weights, "lenet");
 * }</pre>
 */
final class KerasConfigTranslator {

    private static final Set<String> IDENTITIES = Set.of("Dropout", "SpatialDropout1D", "SpatialDropout2D",
            "GaussianNoise", "GaussianDropout", "AlphaDropout", "ActivityRegularization");
    private static final Set<String> ACTIVATIONS = Set.of("Activation", "Softmax", "ReLU", "LeakyReLU");
    private static final Set<String> OTHERS = Set.of("Dense", "Conv1D", "Conv2D", "DepthwiseConv2D",
            "SeparableConv2D", "MaxPooling1D", "MaxPooling2D",
            "AveragePooling1D", "AveragePooling2D", "GlobalAveragePooling1D", "GlobalAveragePooling2D",
            "GlobalMaxPooling1D", "GlobalMaxPooling2D", "Flatten", "Reshape", "BatchNormalization", "Add",
            "Concatenate", "ZeroPadding1D", "ZeroPadding2D", "Multiply", "LayerNormalization");

    private KerasConfigTranslator() {
    }

    /**
     * @param topology the parsed config
     * @param weights the stored variables
     * @param graphName the graph's name, used in messages
     */
    static Graph translate(KerasTopology topology, KerasWeights weights, String graphName) throws ExplainException {
        KerasGraphBuilder b = new KerasGraphBuilder(graphName, topology.inputName(), topology.inputShape());
        for (KerasLayer layer : topology.layers()) {
            List<KerasTensor> ins = new ArrayList<>();
            for (String name : layer.inbound()) {
                ins.add(b.tensor(name));
            }
            if (ins.isEmpty()) {
                throw new ExplainException(Kind.CORRUPT_MODEL, graphName + ": " + layer.describe()
                        + " reads no input");
            }
            boolean isOutput = layer.name().equals(topology.outputName());
            try {
                b.define(layer.name(), layer(layer, ins, weights, isOutput, b));
            } catch (IllegalStateException | UnsupportedOperationException | ClassCastException
                    | NumberFormatException | IndexOutOfBoundsException e) {
                // Gson's typed getters on a config field of an unexpected shape.
                throw new ExplainException(Kind.CORRUPT_MODEL, graphName + ": malformed config of "
                        + layer.describe() + " (" + KerasJson.describe(e) + ")", e);
            }
        }
        try {
            return b.build(b.tensor(topology.outputName()));
        } catch (IllegalArgumentException e) {
            // Inconsistent sizes that slipped past the checks surface from the graph types; still one line.
            throw new ExplainException(Kind.CORRUPT_MODEL, "cannot import Keras model " + graphName + ": "
                    + KerasJson.firstLine(e.getMessage()), e);
        }
    }

    private static KerasTensor layer(KerasLayer l, List<KerasTensor> ins, KerasWeights w, boolean isOutput,
            KerasGraphBuilder b) throws ExplainException {
        KerasTensor in = ins.get(0);
        String cls = l.className();
        if (IDENTITIES.contains(cls)) {
            return KerasShapeLayers.identity(l, in, b);
        }
        if (ACTIVATIONS.contains(cls)) {
            return KerasActivations.layer(l, in, isOutput, b);
        }
        return switch (cls) {
            case "Dense" -> KerasKernelLayers.dense(l, in, w, isOutput, b);
            case "Conv1D" -> KerasKernelLayers.conv(l, in, 1, w, isOutput, b);
            case "Conv2D" -> KerasKernelLayers.conv(l, in, 2, w, isOutput, b);
            case "DepthwiseConv2D" -> KerasKernelLayers.depthwiseConv(l, in, w, isOutput, b);
            case "SeparableConv2D" -> KerasKernelLayers.separableConv(l, in, w, isOutput, b);
            case "BatchNormalization" -> KerasKernelLayers.batchNorm(l, in, w, b);
            case "MaxPooling1D" -> KerasSpatialLayers.pool(l, in, 1, true, b);
            case "MaxPooling2D" -> KerasSpatialLayers.pool(l, in, 2, true, b);
            case "AveragePooling1D" -> KerasSpatialLayers.pool(l, in, 1, false, b);
            case "AveragePooling2D" -> KerasSpatialLayers.pool(l, in, 2, false, b);
            case "GlobalAveragePooling1D" -> KerasSpatialLayers.globalPool(l, in, 1, false, b);
            case "GlobalAveragePooling2D" -> KerasSpatialLayers.globalPool(l, in, 2, false, b);
            case "GlobalMaxPooling1D" -> KerasSpatialLayers.globalPool(l, in, 1, true, b);
            case "GlobalMaxPooling2D" -> KerasSpatialLayers.globalPool(l, in, 2, true, b);
            case "ZeroPadding1D" -> KerasSpatialLayers.zeroPadding(l, in, 1, b);
            case "ZeroPadding2D" -> KerasSpatialLayers.zeroPadding(l, in, 2, b);
            case "Flatten" -> KerasShapeLayers.flatten(l, in, b);
            case "Reshape" -> KerasShapeLayers.reshape(l, in, b);
            case "Add" -> KerasShapeLayers.add(l, ins, b);
            case "Concatenate" -> KerasShapeLayers.concatenate(l, ins, b);
            case "Multiply" -> KerasShapeLayers.multiply(l, ins, b);
            case "LayerNormalization" -> KerasKernelLayers.layerNorm(l, in, w, b);
            default -> throw new ExplainException(Kind.UNSUPPORTED_MODEL, b.modelName() + ": " + l.describe()
                    + " is not supported; supported layers: " + supported());
        };
    }

    /** The supported Keras layer classes, sorted, for messages. */
    static String supported() {
        Set<String> all = new TreeSet<>(OTHERS);
        all.addAll(IDENTITIES);
        all.addAll(ACTIVATIONS);
        all.add("InputLayer");
        return String.join(", ", all);
    }
}
