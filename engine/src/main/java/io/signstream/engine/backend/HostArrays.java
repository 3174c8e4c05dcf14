package io.signstream.engine.backend;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Copies Java float arrays into engine arrays through one reused staging buffer per thread.
 *
 * <p>Why: DJL's {@code NDManager.create(float[], Shape)} copies into a fresh direct {@code ByteBuffer} per call, and
 * the PyTorch array keeps pointing into it, so its native memory is freed only when the garbage collector gets to
 * the buffer, seconds later with a default young generation. Meanwhile libtorch's temporaries are allocated around
 * those buffers in ever new memory: in a loop of digits_cnn/64 gradients (one engine thread, heap touched at start,
 * 2026-12-03) up to 200 MB of them were waiting, and a map took 2.5–3.6 ms for the first 1,500 calls and
 * 1.85–1.95 ms once the process had grown to 800 MB; through this class, 1.9–2.0 ms from the start, with 600 MB.
 * Here the values go through the thread's staging buffer into an array the engine owns (one more copy of the
 * input, in native code), and nothing waits for the collector.
 *
 * <pre>{@code
 * NDArray x = HostArrays.copyOf(manager, pixels, new Shape(64, 1, 16, 16));
 * }</pre>
 */
public final class HostArrays {

    /** Above this the staging buffer is not kept (bytes): DJL's own copy, one large buffer is not worth pinning. */
    static final int MAX_STAGING_BYTES = 16 << 20;

    private static final ThreadLocal<ByteBuffer> STAGING = new ThreadLocal<>();

    private HostArrays() {
    }

    /** A float32 array of {@code shape} holding a copy of {@code data}, owned by {@code manager}. */
    public static NDArray copyOf(NDManager manager, float[] data, Shape shape) {
        long bytes = 4L * data.length;
        if (bytes == 0 || bytes > MAX_STAGING_BYTES) {
            return manager.create(data, shape);
        }
        ByteBuffer staging = staging((int) bytes);
        staging.asFloatBuffer().put(data);
        try (NDArray view = manager.create(staging.slice(0, (int) bytes).order(ByteOrder.nativeOrder()), shape,
                DataType.FLOAT32)) {
            // the view may point into the staging buffer (PyTorch does): copy out before the buffer is reused
            return view.duplicate();
        }
    }

    private static ByteBuffer staging(int bytes) {
        ByteBuffer buffer = STAGING.get();
        if (buffer == null || buffer.capacity() < bytes) {
            buffer = ByteBuffer.allocateDirect(Math.max(bytes, 64 << 10)).order(ByteOrder.nativeOrder());
            STAGING.set(buffer);
        }
        buffer.clear();
        return buffer;
    }
}
