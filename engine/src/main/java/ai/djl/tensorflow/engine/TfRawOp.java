package ai.djl.tensorflow.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * One raw TensorFlow operation run eagerly, for the ops DJL's TensorFlow NDArray API does not expose
 * (Conv2D, its input gradient, depthwise convolution, Pad, ...).
 *
 * <p>Why this class lives in DJL's package: {@link TfNDManager#opExecutor(String)} is public, but the executor
 * class it returns is package-private, so code outside {@code ai.djl.tensorflow.engine} cannot call its methods.
 * This wrapper only forwards to it and closes the native op if building it fails half-way.
 *
 * <pre>{@code
 * NDArray y = TfRawOp.of(x.getManager(), "Relu6").input(x).run();
 * }</pre>
 *
 * <p>Type attributes such as {@code T} need not be set: the eager runtime infers them from the inputs. The outputs
 * belong to the manager passed to {@link #of}.
 */
public final class TfRawOp {

    private final TfOpExecutor executor;

    private TfRawOp(TfOpExecutor executor) {
        this.executor = executor;
    }

    /**
     * @param manager a TensorFlow manager; it owns the results
     * @param opName the TensorFlow op type, e.g. {@code "Conv2D"}
     */
    public static TfRawOp of(NDManager manager, String opName) {
        if (!(manager instanceof TfNDManager)) {
            throw new IllegalArgumentException("a TensorFlow op needs a TensorFlow NDManager, got "
                    + manager.getClass().getName());
        }
        return new TfRawOp(((TfNDManager) manager).opExecutor(opName));
    }

    /** Adds the next input; the array must live on the TensorFlow engine. */
    public TfRawOp input(NDArray array) {
        return guarded(() -> executor.addInput(array));
    }

    /** Adds a list input (e.g. the values of {@code ConcatV2}). */
    public TfRawOp inputList(NDArray... arrays) {
        return guarded(() -> executor.addInputList(arrays));
    }

    public TfRawOp attr(String name, String value) {
        return guarded(() -> executor.addParam(name, value));
    }

    public TfRawOp attr(String name, long value) {
        return guarded(() -> executor.addParam(name, value));
    }

    public TfRawOp attr(String name, long[] values) {
        return guarded(() -> executor.addParam(name, values));
    }

    public TfRawOp attr(String name, boolean value) {
        return guarded(() -> executor.addParam(name, value));
    }

    public TfRawOp attr(String name, float value) {
        return guarded(() -> executor.addParam(name, value));
    }

    public TfRawOp attr(String name, DataType value) {
        return guarded(() -> executor.addParam(name, value));
    }

    /** Runs an op with exactly one output. The native op is released either way. */
    public NDArray run() {
        return executor.buildSingletonOrThrow();
    }

    /** Runs an op with {@code outputs} outputs (e.g. {@code Split}). The native op is released either way. */
    public NDArray[] run(int outputs) {
        return executor.build(outputs);
    }

    private TfRawOp guarded(Runnable step) {
        try {
            step.run();
            return this;
        } catch (RuntimeException e) {
            executor.close();
            throw e;
        }
    }
}
