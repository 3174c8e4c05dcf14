package io.signstream.engine.keras;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.Explainer;
import io.signstream.engine.api.ModelFormat;
import io.signstream.engine.api.RelevanceMap;
import io.signstream.engine.backend.DeviceChoice;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.npy.NpyArray;
import io.signstream.engine.testing.Fixtures;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The formats wired into the library: {@link ModelFormat} recognises .h5/.hdf5, .keras and model.json,
 * {@link Explainer#open} imports them and runs them on the TensorFlow engine unless asked otherwise, with inputs
 * and maps in the Keras layout. Also TF.js quantized weights.
 */
class KerasExplainerTest {

    static {
        KerasTesting.quietJhdf();
    }

    @TempDir
    Path dir;

    @Test
    void formatsAreRecognisedFromTheFileName() throws ExplainException {
        assertEquals(ModelFormat.H5, ModelFormat.of(Path.of("m.h5")));
        assertEquals(ModelFormat.H5, ModelFormat.of(Path.of("M.HDF5")));
        assertEquals(ModelFormat.KERAS, ModelFormat.of(Path.of("m.keras")));
        assertEquals(ModelFormat.TFJS, ModelFormat.of(Path.of("dir/model.json")));
        assertTrue(ModelFormat.TFJS.tensorFlowSide() && ModelFormat.H5.tensorFlowSide()
                && ModelFormat.KERAS.tensorFlowSide());
        assertTrue(!ModelFormat.ONNX.tensorFlowSide() && !ModelFormat.TORCHSCRIPT.tensorFlowSide());
    }

    @Test
    void kerasH5OpensOnTensorFlowByDefaultAndExplainsInTheKerasLayout() throws ExplainException {
        String dir = KerasRealModelsTest.TENSORSPACE + "canonical/";
        NpyArray x = Fixtures.npy(Fixtures.file(dir + "digit5.input.npy"));
        try (Explainer ex = Explainer.open(Fixtures.file(KerasRealModelsTest.TENSORSPACE + "keras_mnist_lenet.h5"))) {
            assertEquals(EngineKind.TENSORFLOW, ex.engine());
            RelevanceMap r = ex.explain(x, null, "gradient", Map.of());
            assertEquals(5, r.targets()[0], "arg-max of the logits");
            assertArrayEquals(new long[] {1, 28, 28}, r.map().shape());
            double err = KerasTesting.relError(r.map().data(),
                    Fixtures.npy(Fixtures.file(dir + "digit5.gradient.npy")).data());
            assertTrue(err <= 1e-4, "gradient rel. error " + err);
            ExplainException bad = assertThrows(ExplainException.class,
                    () -> ex.explain(new NpyArray(new float[784], new long[] {1, 1, 28, 28}), null, "gradient",
                            Map.of()));
            assertEquals(ExplainException.Kind.BAD_SHAPE, bad.kind());
        }
    }

    @Test
    void weightsOnlyH5OpensWithTheConfigNextToItOnEitherEngine() throws ExplainException {
        String dir = KerasRealModelsTest.KOTLINDL + "canonical/";
        NpyArray x = Fixtures.npy(Fixtures.file(dir + "digit5_shift2.input.npy"));
        try (Explainer ex = Explainer.open(Fixtures.file(KerasRealModelsTest.KOTLINDL + "mnist_weights_only.h5"),
                EngineKind.PYTORCH, DeviceChoice.CPU)) {
            assertEquals(EngineKind.PYTORCH, ex.engine());
            RelevanceMap r = ex.explain(x, new int[] {5}, "gradient_x_sign", Map.of());
            double err = KerasTesting.relError(r.map().data(),
                    Fixtures.npy(Fixtures.file(dir + "digit5_shift2.gradient_x_sign.npy")).data());
            assertTrue(err <= 1e-4, "rel. error " + err);
        }
    }

    @Test
    void tfjsModelJsonOpensOnTensorFlow() throws ExplainException {
        NpyArray x = Fixtures.npy(Fixtures.file("tf/cnn/input_2.npy"));
        try (Explainer ex = Explainer.open(Fixtures.file("tf/cnn/model/model.json"))) {
            assertEquals(EngineKind.TENSORFLOW, ex.engine());
            RelevanceMap r = ex.explain(x, null, "input_t_gradient", Map.of());
            assertEquals(5, r.targets()[0]);
            double err = KerasTesting.relError(r.map().data(),
                    Fixtures.npy(Fixtures.file("tf/cnn/input_2.input_x_gradient.npy")).data());
            assertTrue(err <= 1e-5, "rel. error " + err);
        }
    }

    @Test
    void kerasArchiveOpensThroughTheExplainer() throws Exception {
        TinyKeras m = KerasSyntheticModelsTest.branches();
        Path file = dir.resolve("branches.keras");
        m.writeKerasArchive(file);
        float[] x = new float[2 * 6 * 6 * 2];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(i);
        }
        try (Explainer ex = Explainer.open(file)) {
            float[] logits = ex.logits(new NpyArray(x, new long[] {2, 6, 6, 2})).data();
            assertTrue(KerasTesting.relError(logits, m.referenceLogits(x, 2)) <= 1e-5);
        }
    }

    /** uint8 (v·scale + min) and float16 quantized TF.js weights come back as the float values they encode. */
    @Test
    void tfjsQuantizedWeightsAreDequantized() throws Exception {
        Path model = Files.createDirectories(dir.resolve("quantized"));
        ByteBuffer shard = ByteBuffer.allocate(6 + 4).order(ByteOrder.LITTLE_ENDIAN);
        shard.put(new byte[] {0, 1, 2, 3, 4, (byte) 255}); // kernel (3, 2), uint8
        shard.putShort((short) 0x3c00).putShort((short) 0xc000); // bias (2): 1.0, -2.0 as float16
        Files.write(model.resolve("w.bin"), shard.array());
        Files.writeString(model.resolve("model.json"), ("{'format': 'layers-model', 'modelTopology': {"
                + "'class_name': 'Sequential', 'config': {'name': 'q', 'layers': [{'class_name': 'Dense', "
                + "'config': {'name': 'd', 'units': 2, 'batch_input_shape': [null, 3]}}]}}, 'weightsManifest': "
                + "[{'paths': ['w.bin'], 'weights': [{'name': 'd/kernel', 'shape': [3, 2], 'dtype': 'float32', "
                + "'quantization': {'dtype': 'uint8', 'scale': 0.5, 'min': -1}}, {'name': 'd/bias', 'shape': [2], "
                + "'dtype': 'float32', 'quantization': {'dtype': 'float16'}}]}]}").replace('\'', '"'));
        Graph g = TfjsImporter.read(model.resolve("model.json"));
        Layer.Dense d = (Layer.Dense) g.node("d").layer();
        // stored (in, out) = [[-1, -0.5], [0, 0.5], [1, 126.5]] → graph (out, in)
        assertArrayEquals(new float[] {-1f, 0f, 1f, -0.5f, 0.5f, 126.5f}, d.weight().data());
        assertArrayEquals(new float[] {1f, -2f}, d.bias().data());
        assertEquals(65504f, TfjsWeights.halfToFloat((short) 0x7bff));
        assertEquals(5.9604645e-8f, TfjsWeights.halfToFloat((short) 0x0001));
    }
}
