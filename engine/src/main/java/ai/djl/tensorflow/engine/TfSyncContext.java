package ai.djl.tensorflow.engine;

import ai.djl.engine.Engine;
import ai.djl.tensorflow.engine.javacpp.JavacppUtils;
import java.lang.reflect.Field;
import java.util.concurrent.atomic.AtomicReference;
import org.tensorflow.internal.c_api.TFE_Context;

/**
 * Switches DJL's TensorFlow engine to a synchronous eager context.
 *
 * <p>Why: DJL 0.28 creates its eager context with async execution. There, a kernel that fails (a shape mismatch in
 * an ordinary {@code add}, say) leaves a sticky error in the context's executor: "This error cancels all future
 * operations and poisons their output tensors" — every later op of the process fails, on every thread and
 * manager, and the C API bindings DJL ships offer no way to clear it. A synchronous context reports the error on
 * the op that caused it and carries on. A long-running service cannot afford the poisoned variant.
 *
 * <p>How: DJL keeps the context in a private static field of {@link TfEngine} and reads it on every op, so
 * replacing the field's value before the first array is created moves every later op to the new context. The
 * old context is left open (arrays made before the switch may still refer to it).
 */
public final class TfSyncContext {

    /** Device placement policy DJL itself uses (TFE_DEVICE_PLACEMENT_SILENT). */
    private static final int PLACEMENT_SILENT = 2;

    private static boolean installed;

    private TfSyncContext() {
    }

    /**
     * Idempotent and thread-safe. Call it after the TensorFlow engine has loaded and before any TensorFlow array
     * exists.
     *
     * @return true if this call switched the context, false if it was switched already
     * @throws IllegalStateException if DJL's internals differ from the ones this was written against (0.28)
     */
    public static synchronized boolean install() {
        if (installed) {
            return false;
        }
        Engine.getEngine(TfEngine.ENGINE_NAME); // loads the engine, which creates DJL's own (async) context
        try {
            Field field = TfEngine.class.getDeclaredField("eagerSessionHandle");
            field.setAccessible(true);
            @SuppressWarnings("unchecked")
            AtomicReference<TFE_Context> handle = (AtomicReference<TFE_Context>) field.get(null);
            handle.set(JavacppUtils.createEagerSession(false, PLACEMENT_SILENT, JavacppUtils.getSessionConfig()));
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("could not switch DJL's TensorFlow engine to synchronous execution", e);
        }
        installed = true;
        return true;
    }
}
