package io.signstream.engine.backend;

import ai.djl.Device;

/**
 * Opens a backend on a DJL engine. CPU is the default; {@link DeviceChoice#AUTO} takes the first GPU when the
 * engine sees one.
 *
 * <pre>{@code
 * try (Backend pt = Backends.open(EngineKind.PYTORCH, DeviceChoice.CPU)) { ... }
 * }</pre>
 */
public final class Backends {

    private Backends() {
    }

    public static Backend open(EngineKind kind) {
        return open(kind, DeviceChoice.CPU);
    }

    public static Backend open(EngineKind kind, DeviceChoice choice) {
        if (kind == EngineKind.TENSORFLOW) {
            TensorFlowNatives.ensureLibraryPath();
        }
        Device device = choice.resolve(kind);
        return switch (kind) {
            case PYTORCH -> new PyTorchBackend(device);
            case TENSORFLOW -> new TensorFlowBackend(device);
        };
    }
}
