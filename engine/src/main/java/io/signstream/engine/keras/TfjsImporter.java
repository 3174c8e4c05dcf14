package io.signstream.engine.keras;

import com.google.gson.JsonObject;
import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import io.signstream.engine.graph.Graph;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Imports a TensorFlow.js layers model ({@code model.save("file://dir")}, or {@code tensorflowjs_converter
 * --output_format tfjs_layers_model}): {@code model.json} holds the Keras topology ({@code modelTopology}) and the
 * {@code weightsManifest}; the weights lie in binary shards next to it (see {@link TfjsWeights}). The graph takes
 * the Keras layout (channels-last inputs and maps); see {@link KerasConfigTranslator} for the supported layers.
 * TensorFlow.js graph models ({@code format: graph-model}) are not supported. A Keras JSON config
 * ({@code model.to_json()}, no {@code modelTopology}) passed here is read with its weights {@code .h5} beside it
 * ({@link KerasH5Importer#readWithSiblingWeights}).
 *
 * <pre>{@code
 * Graph cnn = TfjsImporter.read(Path.of("tf/cnn/model/model.json"));   // input NHWC (16, 16, 1)
 * }</pre>
 *
 * <p>Errors: {@link Kind#MODEL_NOT_FOUND} for a missing model.json or shard, {@link Kind#CORRUPT_MODEL} for JSON
 * that is not a layers model or shards that do not match the manifest, {@link Kind#UNSUPPORTED_MODEL} for graph
 * models, non-float weights and layers the graph cannot represent.
 */
public final class TfjsImporter {

    private TfjsImporter() {
    }

    /** Reads {@code model.json} and its weight shards; the graph is named after the model (or its folder). */
    public static Graph read(Path modelJson) throws ExplainException {
        String fileName = modelJson.getFileName().toString();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(modelJson);
        } catch (NoSuchFileException e) {
            throw new ExplainException(Kind.MODEL_NOT_FOUND, "model file not found: " + modelJson);
        } catch (IOException e) {
            throw new ExplainException(Kind.MODEL_NOT_FOUND, "cannot read " + modelJson + ": " + e.getMessage(), e);
        }
        String hint = ModelFileHints.of(bytes);
        if (!hint.contains("JSON")) {
            throw new ExplainException(Kind.CORRUPT_MODEL, fileName + " is not a TensorFlow.js model.json (not JSON)"
                    + hint);
        }
        return read(modelJson, new String(bytes, StandardCharsets.UTF_8), fileName);
    }

    private static Graph read(Path modelJson, String text, String fileName) throws ExplainException {
        JsonObject root = KerasJson.parseObject(text, fileName);
        String format = KerasJson.string(root, "format", "layers-model");
        if (format.equals("graph-model") || (KerasJson.has(root, "modelTopology")
                && KerasJson.has(root.getAsJsonObject("modelTopology"), "node"))) {
            throw new ExplainException(Kind.UNSUPPORTED_MODEL, fileName + " is a TensorFlow.js graph model; only "
                    + "layers models (format layers-model) are supported");
        }
        if (!KerasJson.has(root, "modelTopology") && KerasJson.has(root, "class_name")
                && KerasJson.has(root, "config")) {
            return KerasH5Importer.readWithSiblingWeights(modelJson); // a Keras model.to_json(): its weights lie beside it
        }
        if (!KerasJson.has(root, "modelTopology") || !root.get("modelTopology").isJsonObject()) {
            throw new ExplainException(Kind.CORRUPT_MODEL, fileName + " is not a TensorFlow.js layers model: it has "
                    + "no modelTopology");
        }
        if (!KerasJson.has(root, "weightsManifest") || !root.get("weightsManifest").isJsonArray()) {
            throw new ExplainException(Kind.CORRUPT_MODEL, fileName + " has no weightsManifest");
        }
        Path dir = modelJson.toAbsolutePath().getParent();
        String fallback = dir != null && dir.getFileName() != null ? dir.getFileName().toString() : "model";
        KerasTopology topology = KerasTopology.parse(root.getAsJsonObject("modelTopology"), fallback);
        String name = topology.modelName();
        TfjsWeights weights;
        try {
            weights = TfjsWeights.read(dir, root.getAsJsonArray("weightsManifest"), name);
        } catch (IllegalStateException | UnsupportedOperationException | ClassCastException
                | NullPointerException | NumberFormatException e) {
            // Gson's typed getters on a malformed manifest entry.
            throw new ExplainException(Kind.CORRUPT_MODEL, fileName + " has a malformed weightsManifest ("
                    + KerasJson.describe(e) + ")", e);
        }
        return KerasConfigTranslator.translate(topology, weights, name);
    }
}
