package io.signstream.engine.backend;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.signstream.engine.graph.ConvSpec;

/** Work in progress: replaced by the real TensorFlow backend. */
final class TensorFlowBackend implements Backend {
    TensorFlowBackend(Device device) {
        throw new UnsupportedOperationException("TensorFlow backend not built yet");
    }

    @Override
    public EngineKind kind() {
        return EngineKind.TENSORFLOW;
    }

    @Override
    public String device() {
        return "cpu()";
    }

    @Override
    public NDManager newManager() {
        throw new UnsupportedOperationException();
    }

    @Override
    public NDArray conv(NDArray x, NDArray w, NDArray bias, ConvSpec spec) {
        throw new UnsupportedOperationException();
    }

    @Override
    public NDArray convTranspose(NDArray g, NDArray w, ConvSpec spec, Shape inputShape) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void close() {
    }
}
