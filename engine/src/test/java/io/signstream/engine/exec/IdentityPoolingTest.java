package io.signstream.engine.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.signstream.engine.backend.Backend;
import io.signstream.engine.backend.Backends;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.graph.PoolSpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An average pooling of 1×1 windows at stride 1 (torchvision VGG's adaptive pooling on a 7×7 input) is skipped in
 * both passes; a 1×1 window at stride 2 or a padded one is not the identity and still pools.
 */
class IdentityPoolingTest {

    private static final PoolSpec ONE = new PoolSpec(new int[] {1, 1}, new int[] {1, 1}, new int[2], new int[2]);
    private static final PoolSpec STRIDED = new PoolSpec(new int[] {1, 1}, new int[] {2, 2}, new int[2], new int[2]);
    private static final PoolSpec PADDED = new PoolSpec(new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1},
            new int[] {1, 1});

    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void oneByOneWindowsAtStrideOneAreTheIdentity(EngineKind engine) {
        assertTrue(ONE.identity());
        assertFalse(STRIDED.identity());
        assertFalse(PADDED.identity());
        assertFalse(PoolSpec.square(2, 2).identity());
        float[] x = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
        try (Backend backend = Backends.open(engine); NDManager m = backend.newManager()) {
            NDArray xt = m.create(x, new Shape(1, 1, 4, 4));
            assertArrayEquals(x, Pooling.avgPool(backend, xt, ONE, true).toFloatArray(), 0f);
            assertArrayEquals(x, Pooling.avgPoolTranspose(backend, xt, ONE, true, xt.getShape()).toFloatArray(), 0f);
            assertArrayEquals(new float[] {1, 3, 9, 11}, Pooling.avgPool(backend, xt, STRIDED, true).toFloatArray(),
                    0f, "every other row and column");
            float[] spread = Pooling.avgPoolTranspose(backend, m.create(new float[] {1, 3, 9, 11}, new Shape(1, 1, 2,
                    2)), STRIDED, true, xt.getShape()).toFloatArray();
            assertArrayEquals(new float[] {1, 0, 3, 0, 0, 0, 0, 0, 9, 0, 11, 0, 0, 0, 0, 0}, spread, 0f);
            // a padded 1×1 window at stride 1: a zero border around x (count_include_pad)
            assertArrayEquals(new Shape(1, 1, 6, 6).getShape(),
                    Pooling.avgPool(backend, xt, PADDED, true).getShape().getShape());
        }
    }
}
