package io.signstream.engine.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.signstream.engine.backend.HostArrays;

/** Output signals the reverse pass starts from. */
final class Seeds {

    private Seeds() {
    }

    /** onehot(c) per sample: the gradient-family seed. */
    static NDArray oneHot(NDManager m, int[] targets, long classes) {
        float[] data = new float[(int) (targets.length * classes)];
        for (int i = 0; i < targets.length; i++) {
            data[(int) (i * classes + targets[i])] = 1f;
        }
        return HostArrays.copyOf(m, data, new Shape(targets.length, classes));
    }

    /** onehot(c)·f_c per sample: the iNNvestigate seed of LRP, guided backprop and DeconvNet. */
    static NDArray oneHotTimesLogit(NDArray logits, int[] targets) {
        return oneHot(logits.getManager(), targets, logits.getShape().get(1)).mul(logits);
    }
}
