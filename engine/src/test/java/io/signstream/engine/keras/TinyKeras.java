package io.signstream.engine.keras;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;
import io.signstream.engine.graph.Weights;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A small Keras model described once (layer classes, configs, connections) and written the three ways the
 * importers read: a Keras 2 full-model {@code .h5} (Sequential without InputLayer, or functional with Keras 2
 * inbound_nodes), a Keras 3 {@code .keras} archive (InputLayer with batch_shape, {@code __keras_tensor__} inbound
 * nodes, weights under {@code layers/<class>_<k>/vars}) and a TensorFlow.js layers model. Weights are drawn by
 * {@link KerasReference}, which also computes the expected logits.
 *
 * <pre>{@code
 * TinyKeras m = TinyKeras.sequential("cnn", 8, 8, 1)
 *         .layer("Conv2D", "conv", "{'filters': 2, 'kernel_size': 3, 'padding': 'same'}")
 *         .layer("Flatten", "flat", "{}")
 *         .layer("Dense", "out", "{'units': 3}");
 * m.writeLegacyH5(dir.resolve("cnn.h5"));
 * }</pre>
 */
final class TinyKeras {

    record LayerSpec(String className, String name, JsonObject config, List<String> inbound) {
    }

    private final String name;
    private final long[] inputShape;
    private final boolean functional;
    private final List<LayerSpec> layers = new ArrayList<>();
    private Map<String, List<Weights>> weights;

    private TinyKeras(String name, boolean functional, long[] inputShape) {
        this.name = name;
        this.functional = functional;
        this.inputShape = inputShape;
    }

    static TinyKeras sequential(String name, long... inputShape) {
        return new TinyKeras(name, false, inputShape);
    }

    static TinyKeras functional(String name, long... inputShape) {
        return new TinyKeras(name, true, inputShape);
    }

    /** A layer reading the previous one (Sequential) or the named layers ({@code input} is the model input). */
    TinyKeras layer(String cls, String layerName, String config, String... inbound) {
        JsonObject c = JsonParser.parseString(config.replace('\'', '"')).getAsJsonObject();
        c.addProperty("name", layerName);
        List<String> in = inbound.length > 0 ? List.of(inbound)
                : List.of(layers.isEmpty() ? inputName() : layers.get(layers.size() - 1).name());
        layers.add(new LayerSpec(cls, layerName, c, in));
        weights = null;
        return this;
    }

    String name() {
        return name;
    }

    String inputName() {
        return "input";
    }

    long[] inputShape() {
        return inputShape.clone();
    }

    List<LayerSpec> layers() {
        return layers;
    }

    Map<String, List<Weights>> weights() {
        if (weights == null) {
            weights = KerasReference.drawWeights(this, name.hashCode());
        }
        return weights;
    }

    /** Logits of a batch (N, input...) from the independent reference. */
    float[] referenceLogits(float[] x, int n) {
        KerasReference r = new KerasReference(this, weights(), 0);
        int size = x.length / n;
        List<Float> out = new ArrayList<>();
        for (int s = 0; s < n; s++) {
            double[] sample = new double[size];
            for (int i = 0; i < size; i++) {
                sample[i] = x[s * size + i];
            }
            for (double v : r.forward(sample)) {
                out.add((float) v);
            }
        }
        float[] a = new float[out.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = out.get(i);
        }
        return a;
    }

    double[] referenceLogits(double[] sample) {
        return new KerasReference(this, weights(), 0).forward(sample);
    }

    // ---- Keras 2 full-model HDF5 ----

    void writeLegacyH5(Path file) {
        try (WritableHdfFile f = HdfFile.write(file)) {
            f.putAttribute("keras_version", "2.2.4");
            f.putAttribute("backend", "tensorflow");
            f.putAttribute("model_config", keras2Config().toString());
            writeLegacyWeights(f.putGroup("model_weights"));
        }
    }

    /** {@code model.save_weights()}: the same groups at the file root, no model_config. */
    void writeWeightsOnlyH5(Path file, Path configJson) throws IOException {
        try (WritableHdfFile f = HdfFile.write(file)) {
            writeLegacyWeights(f);
        }
        Files.writeString(configJson, keras2Config().toString());
    }

    private void writeLegacyWeights(WritableGroup root) {
        root.putAttribute("layer_names", layers.stream().map(LayerSpec::name).toArray(String[]::new));
        for (LayerSpec l : layers) {
            List<Weights> w = weights().get(l.name());
            if (w == null) {
                continue;
            }
            WritableGroup g = root.putGroup(l.name());
            List<String> roles = roles(l).subList(0, w.size());
            g.putAttribute("weight_names", roles.stream().map(r -> l.name() + "/" + r + ":0").toArray(String[]::new));
            WritableGroup inner = g.putGroup(l.name());
            for (int i = 0; i < w.size(); i++) {
                inner.putDataset(roles.get(i) + ":0", nested(w.get(i)));
            }
        }
    }

    /** Keras 2 / TF.js: Sequential with batch_input_shape on the first layer, or Model with nested-list nodes. */
    JsonObject keras2Config() {
        JsonObject root = new JsonObject();
        JsonObject config = new JsonObject();
        config.addProperty("name", name);
        JsonArray list = new JsonArray();
        if (functional) {
            root.addProperty("class_name", "Model");
            list.add(keras2Layer("InputLayer", inputName(), inputLayerConfig("batch_input_shape"), List.of()));
            for (LayerSpec l : layers) {
                list.add(keras2Layer(l.className(), l.name(), l.config(), l.inbound()));
            }
            config.add("input_layers", json("[['" + inputName() + "', 0, 0]]"));
            config.add("output_layers", json("[['" + layers.get(layers.size() - 1).name() + "', 0, 0]]"));
        } else {
            root.addProperty("class_name", "Sequential");
            for (LayerSpec l : layers) {
                JsonObject c = l.config().deepCopy();
                if (list.isEmpty()) {
                    c.add("batch_input_shape", batchShape());
                }
                JsonObject o = new JsonObject();
                o.addProperty("class_name", l.className());
                o.add("config", c);
                list.add(o);
            }
        }
        config.add("layers", list);
        root.add("config", config);
        return root;
    }

    private JsonObject keras2Layer(String cls, String layerName, JsonObject config, List<String> inbound) {
        JsonObject o = new JsonObject();
        o.addProperty("class_name", cls);
        o.addProperty("name", layerName);
        o.add("config", config);
        JsonArray nodes = new JsonArray();
        if (!inbound.isEmpty()) {
            JsonArray call = new JsonArray();
            for (String in : inbound) {
                call.add(json("['" + in + "', 0, 0, {}]"));
            }
            nodes.add(call);
        }
        o.add("inbound_nodes", nodes);
        return o;
    }

    // ---- Keras 3 archive ----

    void writeKerasArchive(Path file) throws IOException {
        Path h5 = Files.createTempFile("tiny", ".weights.h5");
        try {
            // Keras also writes empty "vars" groups (the model's own, weightless layers'); jHDF's alpha writer
            // produces unreadable files with empty groups, so the test files leave them out.
            try (WritableHdfFile f = HdfFile.write(h5)) {
                WritableGroup layersGroup = f.putGroup("layers");
                Map<String, Integer> used = new HashMap<>();
                for (LayerSpec l : layers) {
                    // Keras 3 names a layer's group after its class, numbered per class, not after the layer.
                    String snake = Keras3H5Weights.snakeCase(l.className());
                    int k = used.merge(snake, 1, Integer::sum) - 1;
                    List<Weights> w = weights().get(l.name());
                    if (w == null) {
                        continue;
                    }
                    WritableGroup vars = layersGroup.putGroup(k == 0 ? snake : snake + "_" + k).putGroup("vars");
                    for (int i = 0; i < w.size(); i++) {
                        vars.putDataset(Integer.toString(i), nested(w.get(i)));
                    }
                }
            }
            try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
                put(zip, "metadata.json", "{\"keras_version\": \"3.6.0\", \"date_saved\": \"2025-01-01@00:00:00\"}"
                        .getBytes(StandardCharsets.UTF_8));
                put(zip, "config.json", keras3Config().toString().getBytes(StandardCharsets.UTF_8));
                put(zip, "model.weights.h5", Files.readAllBytes(h5));
            }
        } finally {
            Files.deleteIfExists(h5);
        }
    }

    JsonObject keras3Config() {
        JsonObject root = new JsonObject();
        root.addProperty("module", "keras");
        root.addProperty("class_name", functional ? "Functional" : "Sequential");
        JsonObject config = new JsonObject();
        config.addProperty("name", name);
        config.addProperty("trainable", true);
        JsonArray list = new JsonArray();
        JsonObject input = new JsonObject();
        input.addProperty("module", "keras.layers");
        input.addProperty("class_name", "InputLayer");
        input.add("config", inputLayerConfig("batch_shape"));
        input.addProperty("name", inputName());
        input.add("inbound_nodes", new JsonArray());
        list.add(input);
        for (LayerSpec l : layers) {
            JsonObject o = new JsonObject();
            o.addProperty("module", "keras.layers");
            o.addProperty("class_name", l.className());
            JsonObject c = l.config().deepCopy();
            c.add("dtype", JsonParser.parseString(
                    "{'module': 'keras', 'class_name': 'DTypePolicy', 'config': {'name': 'float32'}}"
                            .replace('\'', '"')));
            o.add("config", c);
            o.add("registered_name", JsonNull.INSTANCE);
            if (functional) {
                o.addProperty("name", l.name());
                JsonArray tensors = new JsonArray();
                for (String in : l.inbound()) {
                    tensors.add(JsonParser.parseString(("{'class_name': '__keras_tensor__', 'config': {'shape': [],"
                            + " 'dtype': 'float32', 'keras_history': ['" + in + "', 0, 0]}}").replace('\'', '"')));
                }
                JsonObject call = new JsonObject();
                JsonArray args = new JsonArray();
                if (l.inbound().size() == 1) {
                    args.add(tensors.get(0));
                } else {
                    args.add(tensors); // Add/Concatenate take one list argument
                }
                call.add("args", args);
                call.add("kwargs", new JsonObject());
                JsonArray nodes = new JsonArray();
                nodes.add(call);
                o.add("inbound_nodes", nodes);
            }
            list.add(o);
        }
        config.add("layers", list);
        if (functional) {
            // Keras 3 writes a single endpoint as a bare triple
            config.add("input_layers", json("['" + inputName() + "', 0, 0]"));
            config.add("output_layers", json("['" + layers.get(layers.size() - 1).name() + "', 0, 0]"));
        }
        root.add("config", config);
        return root;
    }

    // ---- TensorFlow.js ----

    /** model.json + one shard, weight names {@code <layer>/<role>} in Keras order. */
    void writeTfjs(Path dir) throws IOException {
        Files.createDirectories(dir);
        JsonArray manifestWeights = new JsonArray();
        ByteArrayOutputStreamLe bytes = new ByteArrayOutputStreamLe();
        for (LayerSpec l : layers) {
            List<Weights> w = weights().get(l.name());
            List<String> roles = roles(l);
            for (int i = 0; w != null && i < w.size(); i++) {
                JsonObject entry = new JsonObject();
                entry.addProperty("name", l.name() + "/" + roles.get(i));
                entry.add("shape", new Gson().toJsonTree(w.get(i).shape()));
                entry.addProperty("dtype", "float32");
                manifestWeights.add(entry);
                bytes.floats(w.get(i).data());
            }
        }
        Files.write(dir.resolve("group1-shard1of1.bin"), bytes.toByteArray());
        JsonObject topology = keras2Config();
        topology.addProperty("keras_version", "tfjs-layers 4.22.0");
        topology.addProperty("backend", "tensor_flow.js");
        JsonObject root = new JsonObject();
        root.addProperty("format", "layers-model");
        root.addProperty("generatedBy", "TensorFlow.js tfjs-layers v4.22.0");
        root.add("modelTopology", topology);
        JsonObject group = new JsonObject();
        group.add("paths", JsonParser.parseString("[\"group1-shard1of1.bin\"]"));
        group.add("weights", manifestWeights);
        JsonArray manifest = new JsonArray();
        manifest.add(group);
        root.add("weightsManifest", manifest);
        Files.writeString(dir.resolve("model.json"), root.toString());
    }

    // ---- helpers ----

    private JsonObject inputLayerConfig(String shapeKey) {
        JsonObject c = new JsonObject();
        c.add(shapeKey, batchShape());
        c.addProperty("dtype", "float32");
        c.addProperty("sparse", false);
        c.addProperty("name", inputName());
        return c;
    }

    private JsonArray batchShape() {
        JsonArray s = new JsonArray();
        s.add(JsonNull.INSTANCE);
        for (long d : inputShape) {
            s.add(new JsonPrimitive(d));
        }
        return s;
    }

    private static List<String> roles(LayerSpec l) {
        return l.className().equals("BatchNormalization")
                ? List.of("gamma", "beta", "moving_mean", "moving_variance") : List.of("kernel", "bias");
    }

    /** A flat C-order array as the nested Java array jHDF writes with the right dimensions. */
    static Object nested(Weights w) {
        int[] dims = new int[w.rank()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = (int) w.shape()[i];
        }
        Object out = Array.newInstance(float.class, dims);
        fill(out, w.data(), new int[] {0}, dims.length);
        return out;
    }

    private static void fill(Object array, float[] data, int[] pos, int depth) {
        if (depth == 1) {
            float[] row = (float[]) array;
            System.arraycopy(data, pos[0], row, 0, row.length);
            pos[0] += row.length;
            return;
        }
        for (int i = 0; i < Array.getLength(array); i++) {
            fill(Array.get(array, i), data, pos, depth - 1);
        }
    }

    static long[] longs(JsonArray a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsLong();
        }
        return out;
    }

    private static void put(ZipOutputStream zip, String entry, byte[] bytes) throws IOException {
        zip.putNextEntry(new ZipEntry(entry));
        zip.write(bytes);
        zip.closeEntry();
    }

    /** Little-endian float32 bytes, as TF.js shards hold them. */
    static final class ByteArrayOutputStreamLe extends java.io.ByteArrayOutputStream {
        void floats(float[] values) {
            ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : values) {
                b.putFloat(v);
            }
            writeBytes(b.array());
        }
    }

    static JsonElement json(String singleQuoted) {
        return JsonParser.parseString(singleQuoted.replace('\'', '"'));
    }
}
