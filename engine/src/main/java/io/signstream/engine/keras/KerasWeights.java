package io.signstream.engine.keras;

import io.signstream.engine.api.ExplainException;
import java.util.List;

/**
 * Where the variables of a Keras model come from: the groups of a legacy HDF5 file, the {@code model.weights.h5}
 * of a Keras 3 archive, or the binary shards of a TensorFlow.js model. The translator asks once per layer that
 * holds weights and checks the count and the shapes itself.
 */
interface KerasWeights {

    /**
     * The layer's variables in Keras order (kernel, bias; gamma, beta, moving_mean, moving_variance for
     * BatchNormalization), or an empty list when nothing is stored for the layer.
     */
    List<KerasVariable> of(KerasLayer layer) throws ExplainException;
}
