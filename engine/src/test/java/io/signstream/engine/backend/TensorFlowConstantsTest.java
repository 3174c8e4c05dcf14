package io.signstream.engine.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TensorFlowConstantsTest {

    private static Backend tf;

    @BeforeAll
    static void open() {
        tf = Backends.open(EngineKind.TENSORFLOW);
    }

    @AfterAll
    static void close() {
        tf.close();
    }

    @Test
    void anOperandIsMadeOnceWithItsValuesAndType() {
        try (NDManager m = tf.newManager()) {
            NDArray perm = TensorFlowConstants.ints(m, 0, 2, 3, 1);
            assertSame(perm, TensorFlowConstants.ints(m, 0, 2, 3, 1));
            assertEquals(DataType.INT32, perm.getDataType());
            assertArrayEquals(new int[] {0, 2, 3, 1}, perm.toIntArray());
            NDArray shape = TensorFlowConstants.longs(m, 0, 2, 3, 1);
            assertNotSame(perm, shape, "int32 and int64 operands are kept apart");
            assertEquals(DataType.INT64, shape.getDataType());
            assertArrayEquals(new long[] {0, 2, 3, 1}, shape.toLongArray());
        }
    }

    @Test
    void aKeptOperandOutlivesTheManagerAndTheScopeThatFirstAskedForIt() {
        NDArray kept;
        try (NDManager m = tf.newManager(); NDScope scope = new NDScope()) {
            kept = TensorFlowConstants.longs(m, 7, 11, 13);
        }
        try (NDManager m = tf.newManager()) {
            assertSame(kept, TensorFlowConstants.longs(m, 7, 11, 13));
            // still usable as an op's operand after both were closed
            NDArray x = m.arange(7 * 11 * 13f);
            assertArrayEquals(new long[] {7, 11, 13},
                ai.djl.tensorflow.engine.TfRawOp.of(m, "Reshape").input(x).input(kept).run().getShape().getShape());
        }
    }
}
