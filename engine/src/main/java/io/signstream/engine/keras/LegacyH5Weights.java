package io.signstream.engine.keras;

import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Variables of a Keras 2 HDF5 file ({@code model.save("m.h5")} or {@code model.save_weights("w.h5")}): one group
 * per layer named after it, whose {@code weight_names} attribute lists the datasets in Keras order
 * ({@code conv2d/kernel:0}, {@code conv2d/bias:0}), relative to the layer group.
 */
final class LegacyH5Weights implements KerasWeights {

    private final Group root;
    private final String fileName;

    /**
     * @param root the {@code model_weights} group of a full model, or the file root of a weights-only file
     */
    LegacyH5Weights(Group root, String fileName) {
        this.root = root;
        this.fileName = fileName;
    }

    /** Whether a group holds Keras 2 weights (it carries the {@code layer_names} attribute). */
    static boolean holdsWeights(Group group) {
        return Hdf5Files.strings(group, "layer_names").isPresent();
    }

    @Override
    public List<KerasVariable> of(KerasLayer layer) throws ExplainException {
        Optional<Node> node = Hdf5Files.child(root, layer.name());
        if (node.isEmpty() || !(node.get() instanceof Group group)) {
            return List.of();
        }
        try {
            List<KerasVariable> vars = new ArrayList<>();
            for (String name : Hdf5Files.strings(group, "weight_names").orElse(List.of())) {
                Optional<Node> d = Hdf5Files.child(group, name);
                if (d.isEmpty() || !(d.get() instanceof Dataset dataset)) {
                    throw new ExplainException(Kind.CORRUPT_MODEL, fileName + ": " + layer.describe()
                            + " lists weight '" + name + "', which is not stored in the file");
                }
                vars.add(new KerasVariable(name, Hdf5Files.weights(dataset, fileName + ": " + name)));
            }
            return VariableOrder.keras(vars);
        } catch (RuntimeException e) {
            throw Hdf5Files.damaged(fileName, e);
        }
    }
}
