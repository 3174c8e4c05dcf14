package io.signstream.engine.torchscript;

import ai.djl.engine.Engine;
import ai.djl.training.GradientCollector;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one lock around PyTorch autograd in this process. DJL's {@code PtGradientCollector} keeps a static
 * "collecting" flag: a second collector opened while another thread's is open throws {@code IllegalStateException}
 * (measured: 262 of 400 concurrent gradient calls failed on 4 threads). Every piece of SignStream that opens a
 * PyTorch {@link GradientCollector} must do so through {@link #collect} or while holding {@link #LOCK}, so that
 * worker threads queue instead of failing.
 *
 * <p>Only that collector needs the lock. {@link io.signstream.engine.api.Explainer} never opens one (its reverse
 * passes are the engine's own, and libtorch's grad mode, which the PyTorch backend may switch for a single op, is
 * per thread), so explain calls on several threads run concurrently and must not take this lock.
 *
 * <pre>{@code
 * NDArray grad = PyTorchAutograd.collect(gc -> {
 *     x.setRequiresGradient(true);
 *     gc.backward(model.forward(x).mul(seed).sum());
 *     return x.getGradient();
 * });
 * }</pre>
 */
public final class PyTorchAutograd {

    /** Held by whoever has a PyTorch gradient collector open. Reentrant, so a locked caller may call collect. */
    public static final ReentrantLock LOCK = new ReentrantLock();

    /** Work done while a gradient collector is open. */
    @FunctionalInterface
    public interface GradientWork<T, E extends Exception> {
        T run(GradientCollector collector) throws E;
    }

    private PyTorchAutograd() {
    }

    /**
     * Runs {@code work} with a fresh PyTorch gradient collector, under {@link #LOCK}; the collector is closed (and
     * the thread's grad mode restored) before the lock is released.
     */
    public static <T, E extends Exception> T collect(GradientWork<T, E> work) throws E {
        LOCK.lock();
        try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
            return work.run(collector);
        } finally {
            LOCK.unlock();
        }
    }
}
