package io.signstream.engine.keras;

import com.google.gson.JsonObject;
import java.util.List;

/**
 * One layer of a Keras model config, with the names of the layers whose outputs it reads.
 *
 * @param className the Keras class ({@code Conv2D}, {@code Dense}, ...)
 * @param name the layer name, unique in the model; graph nodes are named after it
 * @param config the layer's {@code config} object
 * @param inbound the layers (or the model input) it reads, in argument order
 */
record KerasLayer(String className, String name, JsonObject config, List<String> inbound) {

    KerasLayer {
        inbound = List.copyOf(inbound);
    }

    /** How messages name the layer: {@code layer 'conv2d_1' (Conv2D)}. */
    String describe() {
        return "layer '" + name + "' (" + className + ")";
    }
}
