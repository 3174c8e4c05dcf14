package io.signstream.engine.keras;

import io.jhdf.HdfFile;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import io.signstream.engine.graph.Graph;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Imports a Keras HDF5 model into a SignStream {@link Graph}:
 * <ul>
 *   <li>a legacy full model ({@code model.save("m.h5")}, Keras 2.x / TF-Keras): the {@code model_config}
 *       attribute holds the JSON config, the {@code model_weights} group the variables;</li>
 *   <li>a weights-only file ({@code model.save_weights("w.h5")}, e.g. KotlinDL's {@code mnist_weights_only.h5})
 *       with its JSON config ({@code model.to_json()}, e.g. {@code modelConfig.json}) given separately, or found
 *       next to it as {@code <stem>.json}, {@code modelConfig.json}, {@code model_config.json} or
 *       {@code config.json};</li>
 *   <li>a Keras 3 {@code .weights.h5} with its {@code config.json} (same rule).</li>
 * </ul>
 * The graph takes the Keras layout: inputs and maps are channels-last (NHWC / NTC / NC) and the sample shape is
 * the Keras input shape; see {@link KerasConfigTranslator} for how the channels-first graph is built and which
 * layers are supported. A final softmax is removed with a warning.
 *
 * <pre>{@code
 * Graph lenet = KerasH5Importer.read(Path.of("keras_mnist_lenet.h5"));
 * Graph kotlin = KerasH5Importer.read(Path.of("mnist_weights_only.h5"), Path.of("modelConfig.json"));
 * try (Backend backend = Backends.open(EngineKind.TENSORFLOW);
 *         BoundGraph model = new BoundGraph(kotlin, backend);
 *         NDManager m = backend.newManager()) {
 *     NDArray logits = ForwardPass.logits(model, m.create(pixels, new Shape(1, 28, 28, 1)));
 * }
 * }</pre>
 *
 * <p>Errors are {@link ExplainException}s with a one-line reason: {@link Kind#MODEL_NOT_FOUND} for a missing file,
 * {@link Kind#CORRUPT_MODEL} for a file that is not HDF5, is truncated, or whose weights do not fit its config
 * (the message names the layer and both shapes), {@link Kind#UNSUPPORTED_MODEL} for a layer the graph cannot
 * represent (the message names the layer class and the layer) or a weights-only file without a config.
 */
public final class KerasH5Importer {

    /** How many candidate weight files an error message lists. */
    private static final int MAX_LISTED = 5;
    private static final List<String> CONFIG_NAMES = List.of("modelConfig.json", "model_config.json",
            "config.json");

    private KerasH5Importer() {
    }

    /** Reads a full-model HDF5 file, or a weights-only one whose JSON config lies next to it. */
    public static Graph read(Path file) throws ExplainException {
        String name = stem(file);
        try (HdfFile h5 = Hdf5Files.open(file)) {
            Optional<String> config = modelConfig(h5);
            if (config.isEmpty()) {
                Path sibling = siblingConfig(file).orElseThrow(() -> new ExplainException(Kind.UNSUPPORTED_MODEL,
                        file.getFileName() + " holds weights only (no model_config attribute); pass its JSON config "
                                + "(model.to_json(), e.g. modelConfig.json) as well, or put it next to the file as "
                                + name + ".json or modelConfig.json"));
                return translate(h5, readConfig(sibling), name, file.getFileName().toString());
            }
            Node weights = h5.getChild("model_weights");
            if (!(weights instanceof Group group)) {
                throw new ExplainException(Kind.CORRUPT_MODEL, file.getFileName()
                        + " has a model_config but no model_weights group");
            }
            KerasTopology topology = KerasTopology.parse(
                    KerasJson.parseObject(config.get(), file.getFileName() + " model_config"), name);
            return KerasConfigTranslator.translate(topology,
                    new LegacyH5Weights(group, file.getFileName().toString()), name);
        } catch (RuntimeException e) {
            throw Hdf5Files.damaged(file.getFileName().toString(), e);
        }
    }

    /**
     * Reads a weights-only HDF5 file (Keras 2 {@code save_weights} or Keras 3 {@code .weights.h5}) with the model's
     * JSON config.
     *
     * @param config a file holding {@code model.to_json()} (Keras 2) or a {@code .keras} archive's config.json
     */
    public static Graph read(Path weights, Path config) throws ExplainException {
        String json = readConfig(config);
        try (HdfFile h5 = Hdf5Files.open(weights)) {
            return translate(h5, json, stem(weights), weights.getFileName().toString());
        } catch (RuntimeException e) {
            throw Hdf5Files.damaged(weights.getFileName().toString(), e);
        }
    }

    private static Graph translate(HdfFile h5, String configJson, String name, String fileName)
            throws ExplainException {
        KerasTopology topology = KerasTopology.parse(KerasJson.parseObject(configJson, name + " config"), name);
        Group root = h5;
        if (h5.getChild("model_weights") instanceof Group g) {
            root = g; // a full model passed with an explicit config: its weights
        }
        KerasWeights weights;
        if (LegacyH5Weights.holdsWeights(root)) {
            weights = new LegacyH5Weights(root, fileName);
        } else if (Keras3H5Weights.holdsWeights(root)) {
            weights = new Keras3H5Weights(root, topology, fileName);
        } else {
            throw new ExplainException(Kind.CORRUPT_MODEL, fileName + " holds no Keras weights (neither a "
                    + "layer_names attribute nor a layers group)");
        }
        return KerasConfigTranslator.translate(topology, weights, name);
    }

    /**
     * Reads a Keras JSON config ({@code model.to_json()}) passed on its own: its weights are the {@code .h5} next to
     * it named {@code <stem>.h5}, {@code <stem>.weights.h5} or {@code <stem>.hdf5}, else the only HDF5 file in the
     * folder (e.g. KotlinDL's {@code modelConfig.json} beside {@code mnist_weights_only.h5}).
     */
    public static Graph readWithSiblingWeights(Path config) throws ExplainException {
        return read(siblingWeights(config), config);
    }

    private static Path siblingWeights(Path config) throws ExplainException {
        Path dir = config.toAbsolutePath().getParent();
        String stem = stem(config);
        for (String name : List.of(stem + ".h5", stem + ".weights.h5", stem + ".hdf5")) {
            Path candidate = dir.resolve(name);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        List<Path> h5;
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            h5 = files.filter(f -> {
                String n = f.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
                return (n.endsWith(".h5") || n.endsWith(".hdf5")) && Files.isRegularFile(f);
            }).sorted().limit(MAX_LISTED + 1L).toList();
        } catch (IOException e) {
            throw new ExplainException(Kind.MODEL_NOT_FOUND, "cannot list " + dir + " for the weights of "
                    + config.getFileName() + ": " + e.getMessage(), e);
        }
        if (h5.size() == 1) {
            return h5.get(0);
        }
        String name = config.getFileName().toString();
        if (h5.isEmpty()) {
            throw new ExplainException(Kind.MODEL_NOT_FOUND, name + " is a Keras model config without weights: put "
                    + "its weights next to it as " + stem + ".h5 (or pass the .h5 as --model)");
        }
        throw new ExplainException(Kind.MODEL_NOT_FOUND, name + " is a Keras model config and its folder holds "
                + "several .h5 files (" + String.join(", ", h5.stream().limit(MAX_LISTED)
                        .map(p -> p.getFileName().toString()).toList()) + (h5.size() > MAX_LISTED ? ", ..." : "")
                + "); name its weights " + stem + ".h5 or pass the .h5 as --model");
    }

    /** The {@code model_config} attribute of a full-model file. */
    static Optional<String> modelConfig(HdfFile h5) {
        return Hdf5Files.string(h5, "model_config");
    }

    private static Optional<Path> siblingConfig(Path file) {
        Path dir = file.toAbsolutePath().getParent();
        if (dir == null) {
            return Optional.empty();
        }
        String stem = stem(file);
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(stem + ".json"), CONFIG_NAMES.stream())
                .map(dir::resolve).filter(Files::isRegularFile).findFirst();
    }

    private static String readConfig(Path config) throws ExplainException {
        try {
            return Files.readString(config, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ExplainException(Kind.MODEL_NOT_FOUND, "Keras model config not found: " + config);
        } catch (IOException e) {
            throw new ExplainException(Kind.MODEL_NOT_FOUND, "cannot read Keras model config " + config + ": "
                    + e.getMessage(), e);
        }
    }

    /** {@code keras_mnist_lenet.h5} → {@code keras_mnist_lenet}; {@code m.weights.h5} → {@code m}. */
    static String stem(Path file) {
        String n = file.getFileName().toString();
        for (String ext : List.of(".weights.h5", ".h5", ".hdf5", ".keras", ".json")) {
            if (n.toLowerCase(java.util.Locale.ROOT).endsWith(ext) && n.length() > ext.length()) {
                return n.substring(0, n.length() - ext.length());
            }
        }
        return n;
    }
}
