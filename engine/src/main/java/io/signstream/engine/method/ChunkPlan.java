package io.signstream.engine.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.signstream.engine.exec.Activations;
import io.signstream.engine.exec.BoundGraph;
import io.signstream.engine.exec.ForwardPass;
import io.signstream.engine.graph.Node;
import java.lang.management.ManagementFactory;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * How many rows (path points or noisy copies × samples) one reverse pass of a path or noise method takes at once,
 * chosen from the memory a row needs and the memory the machine has free, not fixed: a pass keeps every
 * activation of its forward pass plus a few signals of the reverse pass alive, which for VGG16 is ~0.1 GB per row
 * and for a small CNN ~50 kB.
 *
 * <p>The budget is small on purpose: bigger chunks are slower per row, not faster. A gradient of small_vgg
 * (~0.6 MB per row) cost 1.3 ms per row at 32 and 128 rows but 3.0 ms at 512 and 9.0 ms at 1,600 rows on the
 * PyTorch engine (TensorFlow: 2.1, 3.3, 12.0 ms), because the activations of a big chunk no longer stay in the
 * CPU caches and the allocator hands pages back and forth. With a 1 GiB budget integrated gradients (50 steps) of
 * small_vgg/32 ran as one 1,600-row pass and cost 5–9× its 50 gradient maps (2026-12-02, same process).
 */
final class ChunkPlan {

    /** Bounds of the memory one chunk may take, whatever the machine reports. */
    static final long MIN_BUDGET = 16L << 20;
    static final long MAX_BUDGET = 64L << 20;
    /**
     * Never more rows than this in one pass (also bounds the seed and target arrays). Small models reach it: a
     * digits_cnn gradient cost 20.5, 21.0, 24.5 and 25.0 µs per row at 128, 256, 512 and 1,024 rows (PyTorch engine,
     * one thread, 2026-12-03), and integrated gradients (50 steps) of digits_cnn/64, in chunks of about 1,000 rows
     * under the 64 MiB budget, cost 1.20 × its 50 gradient maps, 0.96 × with 16 MiB chunks.
     */
    static final int MAX_ROWS = 256;
    /** Signals of the size of the largest activation the reverse pass holds at once besides the forward's. */
    private static final int REVERSE_SIGNALS = 4;

    /** Bytes per row, measured once per bound model with a one-sample forward pass. */
    private static final Map<BoundGraph, Long> BYTES_PER_ROW = Collections.synchronizedMap(new WeakHashMap<>());

    private ChunkPlan() {
    }

    /** Rows per reverse pass for inputs shaped like {@code x}'s samples (at least 1). */
    static int rows(BoundGraph model, NDArray x) {
        long perRow = BYTES_PER_ROW.computeIfAbsent(model, m -> probe(m, x));
        return (int) Math.max(1, Math.min(MAX_ROWS, budget() / Math.max(1, perRow)));
    }

    /** A quarter of the physical memory free now, within [{@link #MIN_BUDGET}, {@link #MAX_BUDGET}]. */
    static long budget() {
        long free = MAX_BUDGET * 4;
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            free = os.getFreeMemorySize();
        }
        return Math.max(MIN_BUDGET, Math.min(MAX_BUDGET, free / 4));
    }

    /** float32 bytes of every activation of one sample's forward pass, plus the reverse pass's signals. */
    private static long probe(BoundGraph model, NDArray x) {
        try (NDManager scope = model.backend().newManager()) {
            NDArray one = x.get("0:1").duplicate();
            one.attach(scope);
            Activations acts = ForwardPass.run(model, one);
            long total = one.size();
            long largest = one.size();
            for (Node node : model.graph().nodes()) {
                long size = acts.get(node.name()).size();
                total += size;
                largest = Math.max(largest, size);
            }
            return Float.BYTES * (total + REVERSE_SIGNALS * largest);
        }
    }
}
