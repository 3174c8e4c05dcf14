package io.signstream.engine.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class HostArraysTest {

    /**
     * Arrays made one after the other through the same staging buffer keep their own values: the buffer is reused,
     * the arrays never point into it (PyTorch's arrays made from a direct buffer do).
     */
    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void arraysKeepTheirValuesWhenTheStagingBufferIsReused(EngineKind engine) {
        try (Backend backend = Backends.open(engine); NDManager m = backend.newManager()) {
            Random rnd = new Random(7);
            float[] first = random(rnd, 64 * 256);
            float[] second = random(rnd, 64 * 256);
            float[] small = random(rnd, 10);
            NDArray a = HostArrays.copyOf(m, first, new Shape(64, 1, 16, 16));
            NDArray b = HostArrays.copyOf(m, second, new Shape(64, 256));
            NDArray c = HostArrays.copyOf(m, small, new Shape(2, 5));
            assertArrayEquals(first, a.toFloatArray(), 0f);
            assertArrayEquals(second, b.toFloatArray(), 0f);
            assertArrayEquals(small, c.toFloatArray(), 0f);
            assertEquals(new Shape(64, 1, 16, 16), a.getShape());
            assertEquals(DataType.FLOAT32, a.getDataType());
            // still usable by the engine: an op on the copies
            assertEquals(sum(first) + sum(second), a.sum().getFloat() + b.sum().getFloat(), 1e-2);
        }
    }

    /** Above the staging limit the array is still a correct copy (DJL's own path). */
    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void largeArraysAreCopiedToo(EngineKind engine) {
        int n = HostArrays.MAX_STAGING_BYTES / 4 + 3;
        float[] big = random(new Random(3), n);
        try (Backend backend = Backends.open(engine); NDManager m = backend.newManager()) {
            assertArrayEquals(big, HostArrays.copyOf(m, big, new Shape(n)).toFloatArray(), 0f);
        }
    }

    /** The point of the class: a loop of copies leaves no direct buffers behind for the collector. */
    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void copiesLeaveNoDirectBuffersBehind(EngineKind engine) {
        float[] batch = random(new Random(5), 64 * 256);
        try (Backend backend = Backends.open(engine); NDManager m = backend.newManager()) {
            HostArrays.copyOf(m, batch, new Shape(64, 256)).close(); // the thread's staging buffer
            long before = directBytes();
            for (int i = 0; i < 200; i++) {
                HostArrays.copyOf(m, batch, new Shape(64, 256)).close();
            }
            // DJL's create(float[]) would hold 200 × 64 KiB here until a collection. Only growth counts: a
            // collection meanwhile may free direct buffers that earlier tests in this JVM left behind.
            long grown = directBytes() - before;
            assertTrue(grown <= 64 * 1024, () -> "direct buffer bytes grew by " + grown + " over 200 copies of 64 KiB");
        }
    }

    private static long directBytes() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(p -> p.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
    }

    private static float[] random(Random rnd, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) rnd.nextGaussian();
        }
        return out;
    }

    private static double sum(float[] values) {
        double s = 0;
        for (float v : values) {
            s += v;
        }
        return s;
    }
}
