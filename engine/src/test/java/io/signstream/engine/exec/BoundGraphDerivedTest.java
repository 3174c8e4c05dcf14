package io.signstream.engine.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import io.signstream.engine.backend.Backend;
import io.signstream.engine.backend.Backends;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Node;
import io.signstream.engine.graph.TensorLayout;
import io.signstream.engine.graph.Weights;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A constant's derived forms (an LRP rule's W⁺, W⁻) are computed once per model, are the same array on every later
 * call (so the engines' caches keyed by array hit too), and outlive the explain call that first asked for them.
 */
class BoundGraphDerivedTest {

    private static final float[] W = {1.5f, -2f, 0f, -0f, 3f, -0.25f, 7f, -1f};

    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void aFormIsMadeOnceAndOutlivesTheCallThatMadeIt(EngineKind engine) {
        Weights w = new Weights(W, new long[] {2, 4});
        Graph graph = new Graph("one", "x", new long[] {4}, TensorLayout.NCHW,
                List.of(new Node("fc", new Layer.Dense(w, null), "x")));
        try (Backend backend = Backends.open(engine); BoundGraph model = new BoundGraph(graph, backend)) {
            NDArray positive;
            NDArray negative;
            int[] derivations = {0};
            try (NDScope call = new NDScope(); NDManager m = backend.newManager()) {
                positive = model.derived(w, "positive", a -> {
                    derivations[0]++;
                    return a.maximum(0f);
                });
                negative = model.derived(w, "negative", a -> a.minimum(0f));
                m.create(1f); // the call's own arrays go with it
            }
            try (NDScope call = new NDScope()) {
                assertSame(positive, model.derived(w, "positive", a -> {
                    derivations[0]++;
                    return a.maximum(0f);
                }));
            }
            assertArrayEquals(new int[] {1}, derivations, "derived once");
            assertNotSame(positive, negative);
            assertFalse(positive.isReleased());
            assertArrayEquals(new float[] {1.5f, 0f, 0f, 0f, 3f, 0f, 7f, 0f}, positive.toFloatArray(), 0f);
            assertArrayEquals(new float[] {0f, -2f, 0f, -0f, 0f, -0.25f, 0f, -1f}, negative.toFloatArray(), 0f);
            assertNull(model.derived(w, "none", a -> null));
        }
    }
}
