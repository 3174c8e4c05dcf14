package io.signstream.engine.keras;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The layer graph of a Keras model config, whatever wrote it: a {@code Sequential} or functional
 * ({@code Model}/{@code Functional}) config from Keras 2 ({@code model_config} of an HDF5 file, {@code model.to_json()}),
 * Keras 3 ({@code config.json} of a {@code .keras} archive) or TensorFlow.js ({@code modelTopology}).
 *
 * <pre>{@code
 * KerasTopology t = KerasTopology.parse(KerasJson.parseObject(json, "modelConfig.json"), "lenet");
 * t.layers().forEach(l -> System.out.println(l.describe() + " <- " + l.inbound()));
 * }</pre>
 *
 * @param modelName the name in the config (or the file's, when the config has none)
 * @param inputName the model input's name: the InputLayer's, or {@code input} for a Sequential config without one
 * @param inputShape the input shape of one sample (no batch axis), every axis fixed
 * @param layers the layers in topological order, InputLayers left out
 * @param outputName the layer whose output is the model output
 * @param sequential true for a Sequential config (Keras 3 numbers its weight groups differently)
 */
record KerasTopology(String modelName, String inputName, long[] inputShape, List<KerasLayer> layers,
        String outputName, boolean sequential) {

    private static final Logger LOG = LoggerFactory.getLogger(KerasTopology.class);
    private static final Set<String> MODEL_CLASSES = Set.of("Sequential", "Model", "Functional");

    /**
     * @param root the model config: {@code {"class_name": ..., "config": ...}}, possibly wrapped in
     *     {@code {"model_config": ...}} (TF.js files converted from Keras)
     * @param fallbackName the model name when the config has none
     */
    static KerasTopology parse(JsonObject root, String fallbackName) throws ExplainException {
        try {
            return parseChecked(root, fallbackName);
        } catch (IllegalStateException | UnsupportedOperationException | ClassCastException | NullPointerException
                | NumberFormatException | IndexOutOfBoundsException e) {
            // Gson's typed getters meet a field of another type (or none): the config does not have Keras' shape.
            throw new ExplainException(Kind.CORRUPT_MODEL, fallbackName + ": malformed Keras model config ("
                    + KerasJson.describe(e) + ")", e);
        }
    }

    private static KerasTopology parseChecked(JsonObject root, String fallbackName) throws ExplainException {
        JsonObject model = root;
        if (KerasJson.has(root, "model_config") && root.get("model_config").isJsonObject()) {
            model = root.getAsJsonObject("model_config");
        }
        String cls = KerasJson.string(model, "class_name").orElseThrow(() -> new ExplainException(
                Kind.CORRUPT_MODEL, fallbackName + ": the model config has no class_name"));
        if (!KerasJson.has(model, "config")) {
            throw new ExplainException(Kind.CORRUPT_MODEL, fallbackName + ": the model config has no 'config'");
        }
        JsonElement config = model.get("config");
        if (cls.equals("Sequential")) {
            return sequential(config, fallbackName);
        }
        if (cls.equals("Model") || cls.equals("Functional")) {
            return functional(config.getAsJsonObject(), fallbackName);
        }
        throw new ExplainException(Kind.UNSUPPORTED_MODEL, fallbackName + ": model class " + cls
                + " is not supported (supported: Sequential and functional models)");
    }

    /** Keras 2.1 writes a Sequential config as a bare list of layers; later versions as {name, layers}. */
    private static KerasTopology sequential(JsonElement config, String where) throws ExplainException {
        JsonArray list;
        String name = where;
        JsonObject outer = null;
        if (config.isJsonArray()) {
            list = config.getAsJsonArray();
        } else {
            outer = config.getAsJsonObject();
            name = KerasJson.string(outer, "name", where);
            if (!KerasJson.has(outer, "layers")) {
                throw new ExplainException(Kind.CORRUPT_MODEL, where + ": the Sequential config has no layers");
            }
            list = outer.getAsJsonArray("layers");
        }
        List<KerasLayer> layers = new ArrayList<>();
        String inputName = "input";
        long[] shape = null;
        String previous = null;
        for (JsonElement e : list) {
            JsonObject o = e.getAsJsonObject();
            String cls = KerasJson.string(o, "class_name", "?");
            JsonObject cfg = KerasJson.has(o, "config") ? o.getAsJsonObject("config") : new JsonObject();
            String layerName = KerasJson.string(cfg, "name", KerasJson.string(o, "name", cls + "_" + layers.size()));
            if (cls.equals("InputLayer")) {
                if (previous != null || shape != null) {
                    throw new ExplainException(Kind.UNSUPPORTED_MODEL, where + ": InputLayer '" + layerName
                            + "' in the middle of a Sequential model");
                }
                inputName = layerName;
                shape = declaredShape(cfg);
                continue;
            }
            checkNotNested(cls, layerName, where);
            if (shape == null && layers.isEmpty()) {
                shape = declaredShape(cfg);
            }
            layers.add(new KerasLayer(cls, layerName, cfg, List.of(previous == null ? inputName : previous)));
            previous = layerName;
        }
        if (layers.isEmpty()) {
            throw new ExplainException(Kind.UNSUPPORTED_MODEL, where + ": the model has no layers after its input");
        }
        if (shape == null && outer != null && KerasJson.has(outer, "build_input_shape")) {
            shape = KerasJson.shape(outer.get("build_input_shape"));
        }
        if (shape == null && KerasJson.has(layers.get(0).config(), "build_config")) {
            shape = buildShape(layers.get(0).config().getAsJsonObject("build_config"));
        }
        if (shape == null) {
            // Keras 3 keeps build_config next to config, not inside it.
            JsonObject first = list.get(0).getAsJsonObject();
            if (KerasJson.has(first, "build_config")) {
                shape = buildShape(first.getAsJsonObject("build_config"));
            }
        }
        return new KerasTopology(name, inputName, sampleShape(shape, where, inputName), layers, previous, true);
    }

    private static KerasTopology functional(JsonObject config, String where) throws ExplainException {
        String name = KerasJson.string(config, "name", where);
        List<String> inputs = endpoints(config, "input_layers", where);
        List<String> outputs = endpoints(config, "output_layers", where);
        if (inputs.size() != 1) {
            throw new ExplainException(Kind.UNSUPPORTED_MODEL, where + ": the model has " + inputs.size()
                    + " inputs " + inputs + "; only single-input models are supported");
        }
        if (outputs.isEmpty()) {
            throw new ExplainException(Kind.CORRUPT_MODEL, where + ": the model config names no output layer");
        }
        if (outputs.size() > 1) {
            LOG.warn("Keras model {} has {} outputs; explaining the first, '{}'", where, outputs.size(),
                    outputs.get(0));
        }
        String inputName = inputs.get(0);
        long[] shape = null;
        Map<String, KerasLayer> byName = new LinkedHashMap<>();
        for (JsonElement e : config.getAsJsonArray("layers")) {
            JsonObject o = e.getAsJsonObject();
            String cls = KerasJson.string(o, "class_name", "?");
            JsonObject cfg = KerasJson.has(o, "config") ? o.getAsJsonObject("config") : new JsonObject();
            String layerName = KerasJson.string(o, "name", KerasJson.string(cfg, "name", "?"));
            if (cls.equals("InputLayer")) {
                if (layerName.equals(inputName)) {
                    shape = declaredShape(cfg);
                }
                continue;
            }
            checkNotNested(cls, layerName, where);
            byName.put(layerName, new KerasLayer(cls, layerName, cfg, inboundOf(o, layerName, where)));
        }
        return new KerasTopology(name, inputName, sampleShape(shape, where, inputName),
                topologicalOrder(byName, inputName, where), outputs.get(0), false);
    }

    /** Keras 2 and TF.js write {@code [[name, node, tensor], ...]}; Keras 3 a single triple for one endpoint. */
    private static List<String> endpoints(JsonObject config, String key, String model) throws ExplainException {
        if (!KerasJson.has(config, key)) {
            throw new ExplainException(Kind.CORRUPT_MODEL, model + ": the functional config has no " + key);
        }
        JsonArray a = config.getAsJsonArray(key);
        List<String> out = new ArrayList<>();
        if (!a.isEmpty() && a.get(0).isJsonPrimitive()) {
            out.add(a.get(0).getAsString());
            return out;
        }
        for (JsonElement e : a) {
            out.add(e.getAsJsonArray().get(0).getAsString());
        }
        return out;
    }

    /**
     * The layers a functional layer reads. Keras 2 / TF.js: {@code inbound_nodes = [[[name, node, tensor, {}],
     * ...]]}; Keras 3: {@code [{"args": [...], "kwargs": {...}}]} with {@code __keras_tensor__} objects whose
     * {@code keras_history} names the layer.
     */
    private static List<String> inboundOf(JsonObject layer, String layerName, String model)
            throws ExplainException {
        if (!KerasJson.has(layer, "inbound_nodes")) {
            return List.of();
        }
        JsonArray calls = layer.getAsJsonArray("inbound_nodes");
        if (calls.size() > 1) {
            throw new ExplainException(Kind.UNSUPPORTED_MODEL, model + ": layer '" + layerName + "' is called "
                    + calls.size() + " times; shared layers are not supported");
        }
        if (calls.isEmpty()) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        JsonElement call = calls.get(0);
        if (call.isJsonObject()) {
            collectKerasTensors(call.getAsJsonObject().get("args"), names, layerName, model);
        } else {
            for (JsonElement ref : call.getAsJsonArray()) {
                JsonArray r = ref.getAsJsonArray();
                checkFirstCall(r.get(0).getAsString(), r.get(1).getAsInt(), r.get(2).getAsInt(), layerName, model);
                names.add(r.get(0).getAsString());
            }
        }
        return names;
    }

    private static void collectKerasTensors(JsonElement e, List<String> names, String layerName, String model)
            throws ExplainException {
        if (e == null || e.isJsonNull() || e.isJsonPrimitive()) {
            return;
        }
        if (e.isJsonArray()) {
            for (JsonElement c : e.getAsJsonArray()) {
                collectKerasTensors(c, names, layerName, model);
            }
            return;
        }
        JsonObject o = e.getAsJsonObject();
        if ("__keras_tensor__".equals(KerasJson.string(o, "class_name", ""))) {
            JsonArray history = o.getAsJsonObject("config").getAsJsonArray("keras_history");
            names.add(history.get(0).getAsString());
            checkFirstCall(history.get(0).getAsString(), history.get(1).getAsInt(), history.get(2).getAsInt(),
                    layerName, model);
        }
    }

    private static void checkFirstCall(String source, int node, int tensor, String layerName, String model)
            throws ExplainException {
        if (node != 0 || tensor != 0) {
            throw new ExplainException(Kind.UNSUPPORTED_MODEL, model + ": layer '" + layerName + "' reads output "
                    + tensor + " of call " + node + " of layer '" + source
                    + "'; shared and multi-output layers are not supported");
        }
    }

    /** Config order is usually topological already; this makes sure, and finds dangling references. */
    private static List<KerasLayer> topologicalOrder(Map<String, KerasLayer> byName, String inputName, String model)
            throws ExplainException {
        List<KerasLayer> order = new ArrayList<>();
        Set<String> done = new HashSet<>(Set.of(inputName));
        List<KerasLayer> todo = new ArrayList<>(byName.values());
        while (!todo.isEmpty()) {
            boolean progress = false;
            for (var it = todo.iterator(); it.hasNext();) {
                KerasLayer l = it.next();
                if (done.containsAll(l.inbound())) {
                    order.add(l);
                    done.add(l.name());
                    it.remove();
                    progress = true;
                }
            }
            if (!progress) {
                KerasLayer stuck = todo.get(0);
                List<String> missing = stuck.inbound().stream().filter(n -> !byName.containsKey(n)).toList();
                throw new ExplainException(missing.isEmpty() ? Kind.UNSUPPORTED_MODEL : Kind.CORRUPT_MODEL,
                        model + ": " + stuck.describe() + (missing.isEmpty()
                                ? " is part of a cycle or reads a second model input"
                                : " reads unknown layer(s) " + missing));
            }
        }
        return order;
    }

    private static void checkNotNested(String cls, String layerName, String model) throws ExplainException {
        if (MODEL_CLASSES.contains(cls)) {
            throw new ExplainException(Kind.UNSUPPORTED_MODEL, model + ": layer '" + layerName + "' is a nested "
                    + cls + " model; nested models are not supported (flatten the model before saving it)");
        }
    }

    /** {@code batch_input_shape} (Keras 2, TF.js) or {@code batch_shape} (Keras 3), batch axis included. */
    private static long[] declaredShape(JsonObject cfg) {
        for (String key : List.of("batch_input_shape", "batch_shape")) {
            if (KerasJson.has(cfg, key)) {
                return KerasJson.shape(cfg.get(key));
            }
        }
        if (KerasJson.has(cfg, "input_shape")) {
            long[] s = KerasJson.shape(cfg.get("input_shape"));
            long[] withBatch = new long[s.length + 1];
            withBatch[0] = -1;
            System.arraycopy(s, 0, withBatch, 1, s.length);
            return withBatch;
        }
        return null;
    }

    private static long[] buildShape(JsonObject build) {
        return KerasJson.has(build, "input_shape") ? KerasJson.shape(build.get("input_shape")) : null;
    }

    private static long[] sampleShape(long[] withBatch, String model, String input) throws ExplainException {
        if (withBatch == null) {
            throw new ExplainException(Kind.UNSUPPORTED_MODEL, model + ": the config declares no input shape (no "
                    + "InputLayer and no batch_input_shape on the first layer)");
        }
        if (withBatch.length < 2 || withBatch.length > 4) {
            throw new ExplainException(Kind.UNSUPPORTED_MODEL, model + ": the input '" + input + "' has shape "
                    + describe(withBatch) + "; supported: (N, features), (N, T, C) and (N, H, W, C)");
        }
        long[] sample = Arrays.copyOfRange(withBatch, 1, withBatch.length);
        for (int i = 0; i < sample.length; i++) {
            if (sample[i] <= 0) {
                throw new ExplainException(Kind.UNSUPPORTED_MODEL, model + ": axis " + (i + 1) + " of the input '"
                        + input + "' " + describe(withBatch) + " has no fixed length; only the batch axis may be "
                        + "dynamic");
            }
        }
        return sample;
    }

    static String describe(long[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i > 0 ? ", " : "").append(shape[i] < 0 ? "None" : Long.toString(shape[i]));
        }
        return sb.append(')').toString();
    }
}
