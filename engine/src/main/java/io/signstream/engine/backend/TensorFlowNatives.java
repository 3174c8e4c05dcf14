package io.signstream.engine.backend;

/** Placeholder until the TensorFlow backend lands: see TensorFlowBackend. */
final class TensorFlowNatives {
    private TensorFlowNatives() {
    }

    static void ensureLibraryPath() {
    }
}
