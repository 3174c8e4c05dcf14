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

    /**
     * One libtorch intra-op thread unless the user sets {@code ai.djl.pytorch.num_threads}: our passes are many
     * small ops, and OpenMP's spinning threads made them 5–7× slower on a busy 2-core machine (measured: IG on
     * digits_cnn 0.20 s with 2 threads vs 0.03 s with 1). Parallelism comes from batching and from running
     * several workers instead. Must run before the PyTorch engine starts.
     */
    private static void defaultTorchThreads() {
        if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
            String fromEnv = System.getenv("SIGNSTREAM_TORCH_THREADS");
            System.setProperty("ai.djl.pytorch.num_threads", fromEnv == null ? "1" : fromEnv);
        }
    }

    /**
     * Sets the intra-op thread count of both engines, for the engines this process has not started yet
     * ({@code ai.djl.pytorch.num_threads}, {@code ai.djl.tensorflow.num_intraop_threads}); libtorch, which can
     * change it at run time, also takes it at once if it is already running.
     */
    public static void setIntraOpThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("thread count must be at least 1, got " + threads);
        }
        String n = Integer.toString(threads);
        System.setProperty("ai.djl.pytorch.num_threads", n);
        System.setProperty("ai.djl.tensorflow.num_intraop_threads", n);
        if (torchStarted) {
            ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
        }
    }

    /** Set once the first PyTorch backend exists (libtorch's thread pool can be resized from then on). */
    private static volatile boolean torchStarted;

    public static Backend open(EngineKind kind, DeviceChoice choice) {
        if (kind == EngineKind.TENSORFLOW) {
            TensorFlowNatives.ensureLibraryPath();
        } else {
            defaultTorchThreads();
        }
        Device device = choice.resolve(kind);
        return switch (kind) {
            case PYTORCH -> {
                PyTorchBackend b = new PyTorchBackend(device);
                torchStarted = true;
                try {
                    if (ConvolutionSelfCheck.appliesTo(device)) {
                        ConvolutionSelfCheck.verifyOnce(b);
                    }
                } catch (RuntimeException e) {
                    b.close();
                    throw e;
                }
                yield b;
            }
            case TENSORFLOW -> new TensorFlowBackend(device);
        };
    }
}
