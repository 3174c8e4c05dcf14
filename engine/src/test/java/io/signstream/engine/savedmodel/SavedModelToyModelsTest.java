package io.signstream.engine.savedmodel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.Explainer;
import io.signstream.engine.backend.DeviceChoice;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.graph.ConstantOpKind;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Node;
import io.signstream.engine.npy.NpyArray;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * The toy SavedModels of TensorFlow Serving and TensorFlow.js (see their SOURCE.txt): y = 0.5·x + 2 as TF1 (a
 * checkpoint with Snappy-compressed index blocks, an input fed behind an example parser) and as TF2 (function
 * calls, an asset initialiser), and y = 3·x (TF2, a scalar input). They import as constant ops.
 */
class SavedModelToyModelsTest {

    @Test
    void halfPlusTwoTf1ImportsAsAMultiplyAndAnAdd() throws ExplainException {
        Graph g = SavedModelImporter.read(SavedModelTesting.dir(SavedModelTesting.HALF_PLUS_TWO));
        System.out.print(g);
        assertEquals("x", g.inputName(), "the signature feeds x:0, an Identity behind ParseExample");
        assertArrayEquals(new long[] {1}, g.sampleShape());
        assertEquals(List.of("Mul", "Add"), g.nodes().stream().map(Node::name).toList());
        assertConstantOp(g.node("Mul"), ConstantOpKind.MUL, 0.5f);
        assertConstantOp(g.node("Add"), ConstantOpKind.ADD, 2f);
    }

    @Test
    void timesThreeImportsAsAMultiplyOfABatchOfScalars() throws ExplainException {
        Graph g = SavedModelImporter.read(SavedModelTesting.dir(SavedModelTesting.TIMES_THREE));
        System.out.print(g);
        assertArrayEquals(new long[0], g.sampleShape(), "a scalar input reads as a batch of scalars");
        assertConstantOp(g.nodes().get(0), ConstantOpKind.MUL, 3f);
        assertInstanceOf(Layer.Reshape.class, g.output().layer(), "one value per sample becomes one class");
    }

    /**
     * DJL 0.28's TensorFlow engine cannot run this model (DESIGN.md: it does not feed the asset initialiser's
     * placeholder); the import reads the checkpoint itself and never runs the initialiser, so it works.
     */
    @Test
    void halfPlusTwoTf2WithAnAssetInitialiserImportsAlthoughDjlCannotRunIt() throws Exception {
        Path dir = SavedModelTesting.dir(SavedModelTesting.HALF_PLUS_TWO_TF2);
        Graph g = SavedModelImporter.read(dir);
        System.out.print(g);
        assertEquals(3, g.nodes().size());
        assertConstantOp(g.nodes().get(0), ConstantOpKind.MUL, 0.5f);
        assertConstantOp(g.nodes().get(1), ConstantOpKind.ADD, 2f);

        Exception e = assertThrows(Exception.class,
                () -> SavedModelTesting.djlForward(dir, "serving_default", new float[] {1f}, new long[] {1}));
        assertTrue(String.valueOf(e.getMessage()).contains("asset_path_initializer"), e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void forwardAndGradientOnBothEnginesMatchTheFormulas(EngineKind engine) throws Exception {
        float[] x = {-1f, 0f, 1f, 2.5f};
        check(SavedModelTesting.HALF_PLUS_TWO, engine, new NpyArray(x, new long[] {4, 1}), v -> 0.5f * v + 2f, 0.5f);
        check(SavedModelTesting.HALF_PLUS_TWO_TF2, engine, new NpyArray(x, new long[] {4}), v -> 0.5f * v + 2f,
                0.5f);
        check(SavedModelTesting.TIMES_THREE, engine, new NpyArray(x, new long[] {4}), v -> 3f * v, 3f);
    }

    /** Where DJL can run the SavedModel, its output is the graph's. */
    @Test
    void forwardMatchesDjlsRunOfTheSavedModel() throws Exception {
        float[] x = {-1f, 0f, 1f, 2.5f};
        try (Explainer ex = Explainer.open(SavedModelTesting.dir(SavedModelTesting.HALF_PLUS_TWO))) {
            float[] reference = SavedModelTesting.djlForward(SavedModelTesting.dir(SavedModelTesting.HALF_PLUS_TWO),
                    "serving_default", x, new long[] {4, 1});
            assertArrayEquals(reference, ex.logits(new NpyArray(x, new long[] {4, 1})).data(), 1e-6f);
        }
        try (Explainer ex = Explainer.open(SavedModelTesting.dir(SavedModelTesting.TIMES_THREE))) {
            for (float v : x) {
                float[] reference = SavedModelTesting.djlForward(SavedModelTesting.dir(SavedModelTesting.TIMES_THREE),
                        "serving_default", new float[] {v}, new long[0]);
                assertArrayEquals(reference, ex.logits(new NpyArray(new float[] {v}, new long[] {1})).data(), 1e-6f);
            }
        }
    }

    private static void check(String fixture, EngineKind engine, NpyArray x, Formula f, float slope)
            throws ExplainException {
        try (Explainer ex = Explainer.open(SavedModelTesting.dir(fixture), engine, DeviceChoice.CPU)) {
            float[] y = ex.logits(x).data();
            assertEquals(x.data().length, y.length, fixture);
            for (int i = 0; i < y.length; i++) {
                assertEquals(f.apply(x.data()[i]), y[i], 1e-6f, fixture + " on " + engine.id());
            }
            NpyArray g = ex.explain(x, null, "gradient", Map.of()).map();
            assertArrayEquals(x.shape(), g.shape());
            for (float v : g.data()) {
                assertEquals(slope, v, 1e-6f, fixture + " gradient on " + engine.id());
            }
        }
    }

    private static void assertConstantOp(Node node, ConstantOpKind kind, float value) {
        Layer.ConstantOp op = assertInstanceOf(Layer.ConstantOp.class, node.layer(), node.name());
        assertEquals(kind, op.op(), node.name());
        assertEquals(1, op.constant().size(), node.name());
        assertEquals(value, op.constant().data()[0], 0f, node.name());
    }

    private interface Formula {
        float apply(float x);
    }
}
