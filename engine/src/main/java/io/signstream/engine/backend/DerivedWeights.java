package io.signstream.engine.backend;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A kernel rewritten once into the form an engine's op wants (TensorFlow's HWIO filter, the flipped kernel of a
 * transposed convolution) and reused by every later call with the same weight array. Without it every forward and
 * reverse pass re-transposed every filter of the model (VGG16: 14.7 M values per pass).
 *
 * <p>The derived array is attached to the source array's manager, so it lives exactly as long as the source: the
 * model's weights keep theirs until the model is closed, and a per-call array (an LRP rule's W⁺) takes its derived
 * form with it when the call's manager closes. Entries whose source is gone are dropped as new ones arrive.
 * Thread-safe.
 */
final class DerivedWeights {

    /** Dropping released entries on every insertion would cost a scan per per-call weight; every 64th is enough. */
    private static final int PURGE_EVERY = 64;

    private final Map<NDArray, NDArray> derived = new IdentityHashMap<>();
    private int insertions;

    /** The derived form of {@code source}, computed by {@code derive} on first use. */
    synchronized NDArray get(NDArray source, UnaryOperator<NDArray> derive) {
        NDArray d = derived.get(source);
        if (d != null && !d.isReleased()) {
            return d;
        }
        if (++insertions % PURGE_EVERY == 0) {
            purge();
        }
        d = derive.apply(source);
        // out of the caller's NDScope (which closes what one explain call made) and onto the source's lifetime
        NDScope.unregister(d);
        d.attach(source.getManager());
        derived.put(source, d);
        return d;
    }

    private void purge() {
        Iterator<Map.Entry<NDArray, NDArray>> it = derived.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<NDArray, NDArray> e = it.next();
            if (e.getKey().isReleased() || e.getValue().isReleased()) {
                it.remove();
            }
        }
    }

    synchronized int size() {
        return derived.size();
    }
}
