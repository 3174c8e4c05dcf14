package io.signstream.engine.backend;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The small integer operands of TensorFlow ops (a Transpose's permutation, a Reshape's shape, a
 * Conv2DBackpropInput's sizes), made once and shared by every call.
 *
 * <p>Why: DJL's TensorFlow engine makes every array through a path that formats the native handle as a string
 * (the resource id of {@code NativeResource}), and an operand made afresh for each op was a tenth of a TensorFlow
 * LRP pass on digits_cnn (JFR). A model uses a handful of these operands, so they are kept for the life of the
 * process in a manager of their own, which nothing closes. At most {@link #CAPACITY} are kept (a stream of ever
 * new batch sizes); past that an operand is made in the caller's manager as before.
 *
 * <p>Shared arrays are only ever read: TensorFlow's eager ops never write into an input. Thread-safe.
 *
 * <pre>{@code
 * NDArray perm = TensorFlowConstants.ints(m, 0, 2, 3, 1);
 * NDArray y = TfRawOp.of(m, "Transpose").input(x).input(perm).run();
 * }</pre>
 */
final class TensorFlowConstants {

    /** Most operands kept. */
    static final int CAPACITY = 512;

    private static final Map<Key, NDArray> KEPT = new ConcurrentHashMap<>();
    private static volatile NDManager owner;

    private TensorFlowConstants() {
    }

    /** An int32 vector operand; {@code fallback} owns it only when the cache is full. */
    static NDArray ints(NDManager fallback, int... values) {
        long[] widened = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            widened[i] = values[i];
        }
        return get(false, widened, fallback);
    }

    /** An int64 vector operand; {@code fallback} owns it only when the cache is full. */
    static NDArray longs(NDManager fallback, long... values) {
        return get(true, values, fallback);
    }

    /** Looked up with the caller's values; kept under a copy of them. */
    private static NDArray get(boolean int64, long[] values, NDManager fallback) {
        NDArray kept = KEPT.get(new Key(int64, values));
        if (kept != null) {
            return kept;
        }
        Key key = new Key(int64, values.clone());
        if (KEPT.size() >= CAPACITY) {
            return key.create(fallback);
        }
        return KEPT.computeIfAbsent(key, k -> {
            NDArray a = k.create(owner(fallback));
            // made inside a caller's NDScope, the array would be closed with that scope
            NDScope.unregister(a);
            return a;
        });
    }

    private static NDManager owner(NDManager like) {
        NDManager m = owner;
        if (m == null) {
            synchronized (TensorFlowConstants.class) {
                m = owner;
                if (m == null) {
                    m = Engine.getEngine(like.getEngine().getEngineName()).newBaseManager(like.getDevice());
                    owner = m;
                }
            }
        }
        return m;
    }

    private record Key(boolean int64, long[] values) {

        NDArray create(NDManager m) {
            if (int64) {
                return m.create(values);
            }
            int[] ints = new int[values.length];
            for (int i = 0; i < values.length; i++) {
                ints[i] = Math.toIntExact(values[i]);
            }
            return m.create(ints);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.int64 == int64 && Arrays.equals(k.values, values);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(values) + (int64 ? 1 : 0);
        }

        @Override
        public String toString() {
            return (int64 ? "int64" : "int32") + Arrays.toString(values);
        }
    }
}
