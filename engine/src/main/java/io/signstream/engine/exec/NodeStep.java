package io.signstream.engine.exec;

import ai.djl.ndarray.NDArray;
import io.signstream.engine.backend.Backend;
import io.signstream.engine.graph.Node;
import java.util.List;

/**
 * Everything a backward rule may look at for one node: the node, its forward inputs and output, the bound
 * constants, and whether LRP treats it as an input layer.
 */
public record NodeStep(Node node, BoundGraph model, List<NDArray> inputs, NDArray output, boolean inputLayer) {

    public NDArray input() {
        return inputs.get(0);
    }

    public Backend backend() {
        return model.backend();
    }
}
