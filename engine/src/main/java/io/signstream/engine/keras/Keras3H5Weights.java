package io.signstream.engine.keras;

import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.signstream.engine.api.ExplainException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Variables of a Keras 3 weights file ({@code model.weights.h5} inside a {@code .keras} archive, or a
 * {@code .weights.h5}): {@code layers/<key>/vars/0, 1, ...}. The key is not the layer name but the layer class in
 * snake case, numbered per class in the model's layer order ({@code dense}, {@code dense_1}, {@code conv2d}, ...),
 * because Keras 3 saves a model's layer list as a container; TF-Keras 2.13 wrote
 * {@code _layer_checkpoint_dependencies} instead of {@code layers}.
 */
final class Keras3H5Weights implements KerasWeights {

    private final Group root;
    private final String fileName;
    private final Map<String, String> keys = new HashMap<>();

    Keras3H5Weights(Group root, KerasTopology topology, String fileName) {
        this.root = root;
        this.fileName = fileName;
        Map<String, Integer> used = new HashMap<>();
        for (KerasLayer l : topology.layers()) {
            String snake = snakeCase(l.className());
            int n = used.merge(snake, 1, Integer::sum) - 1;
            keys.put(l.name(), n == 0 ? snake : snake + "_" + n);
        }
    }

    /** Whether a group holds Keras 3 weights. */
    static boolean holdsWeights(Group group) {
        return Hdf5Files.child(group, "layers").isPresent()
                || Hdf5Files.child(group, "_layer_checkpoint_dependencies").isPresent();
    }

    @Override
    public List<KerasVariable> of(KerasLayer layer) throws ExplainException {
        String key = keys.getOrDefault(layer.name(), layer.name());
        try {
            for (String path : List.of("layers/" + key, "_layer_checkpoint_dependencies/" + key,
                    "layers/" + layer.name())) {
                Optional<Node> vars = Hdf5Files.child(root, path + "/vars");
                if (vars.isPresent() && vars.get() instanceof Group g && !g.getChildren().isEmpty()) {
                    return read(g, path);
                }
            }
            return List.of();
        } catch (RuntimeException e) {
            throw Hdf5Files.damaged(fileName, e);
        }
    }

    /** Datasets {@code 0, 1, ...} in numeric order (a group lists 10 before 2). */
    private List<KerasVariable> read(Group vars, String path) throws ExplainException {
        List<KerasVariable> out = new ArrayList<>();
        for (int i = 0; vars.getChild(Integer.toString(i)) instanceof Dataset d; i++) {
            out.add(new KerasVariable(path + "/vars/" + i, Hdf5Files.weights(d, fileName + ": " + path)));
        }
        return out;
    }

    /** keras.src.utils.naming.to_snake_case. */
    static String snakeCase(String name) {
        String s = name.replaceAll("\\W+", "");
        s = s.replaceAll("(.)([A-Z][a-z]+)", "$1_$2");
        return s.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
    }
}
