package io.signstream.engine.onnx;

import static io.signstream.engine.onnx.OnnxExportTesting.assertSameGraph;
import static io.signstream.engine.onnx.OnnxExportTesting.maxAbs;
import static io.signstream.engine.onnx.OnnxExportTesting.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.engine.api.Explainer;
import io.signstream.engine.api.RelevanceMap;
import io.signstream.engine.backend.DeviceChoice;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.TensorLayout;
import io.signstream.engine.npy.NpyArray;
import io.signstream.engine.onnx.proto.OnnxProto;
import io.signstream.engine.testing.Fixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Import → export → import of the fixture models, from their ONNX and their TorchScript files: the re-imported
 * graph has the same nodes (names included), and on both engines the same logits and the same gradient and
 * LRP-ε maps as the model it came from, bit for bit in practice (asserted to 1e-6).
 */
class OnnxExportRoundTripTest {

    /** "identical": the same graph runs the same kernels, so any difference beyond float noise is a bug. */
    private static final double TOLERANCE = 1e-6;

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}.{1}")
    @CsvSource({
        "mlp, onnx", "mlp, pt",
        "digits_cnn, onnx", "digits_cnn, pt",
        "small_vgg, onnx", "small_vgg, pt",
        "ts_cnn, onnx", "ts_cnn, pt"})
    void roundTripKeepsNodesLogitsAndMaps(String model, String ext) throws Exception {
        Path source = Fixtures.model(model, ext);
        NpyArray x = Fixtures.input(model, "x0");
        int[] target = {OnnxForward.argmax(Fixtures.logits(model, "x0").data())};
        Path exported = tmp.resolve(model + "_from_" + ext + ".onnx");

        Graph original;
        try (Explainer ex = Explainer.open(source, EngineKind.PYTORCH, DeviceChoice.CPU)) {
            original = ex.graph(x.sampleShape());
        }
        OnnxExporter.Exported written = OnnxExporter.write(original, exported);
        assertEquals(original.nodes().size(), written.nodes());
        OnnxProto.Model proto = OnnxProto.Model.parseFrom(java.nio.file.Files.readAllBytes(exported));
        assertEquals(13, proto.getOpsetImport(0).getVersion());
        assertEquals(7, proto.getIrVersion());
        assertEquals("logits", proto.getGraph().getOutput(0).getName());
        assertEquals("N", proto.getGraph().getInput(0).getType().getTensorType().getShape().getDim(0).getDimParam());
        Graph again = OnnxImporter.read(exported);
        assertSameGraph(original, again);
        assertEquals(Optional.of(TensorLayout.channelsFirstForRank(x.rank())), OnnxMetadata.layout(exported));

        List<String> methods = new ArrayList<>(List.of("gradient", "lrp_epsilon_0_1"));
        if (model.equals("digits_cnn")) {
            methods.add("grad_cam"); // by layer name: layer_name=features.4 must still exist after the round trip
        }
        for (EngineKind engine : EngineKind.values()) {
            try (Explainer before = Explainer.open(source, engine, DeviceChoice.CPU);
                    Explainer after = Explainer.open(exported, engine, DeviceChoice.CPU)) {
                float[] l0 = before.logits(x).data();
                float[] l1 = after.logits(x).data();
                assertTrue(maxAbsDiff(l0, l1) <= TOLERANCE, engine + " logits differ by " + maxAbsDiff(l0, l1));
                for (String method : methods) {
                    Map<String, String> params = method.equals("grad_cam") ? Map.of("layer_name", "features.4")
                            : Map.of();
                    RelevanceMap m0 = before.explain(x, target, method, params);
                    RelevanceMap m1 = after.explain(x, target, method, params);
                    double diff = maxAbsDiff(m0.map().data(), m1.map().data());
                    assertTrue(maxAbs(m0.map().data()) > 0, engine + " " + method + " is all zero");
                    assertTrue(diff <= TOLERANCE * Math.max(1, maxAbs(m0.map().data())),
                            engine + " " + method + " differs by " + diff);
                }
            }
        }
    }

    /**
     * Models trained by others: the ONNX model zoo's mnist-8 (constant Div and Add, scope-less node names) and a
     * TorchSharp TorchScript MLP (nested Sequential names "0.0", "1").
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"real/wonnx_opt_mnist/opt-mnist.onnx, '1,28,28'",
        "real/torchsharp_torchscript_mlp/l1000_100_10.script.dat, 1000"})
    void realModelsRoundTrip(String file, String shape) throws Exception {
        Path source = Fixtures.file(file);
        long[] sample = java.util.Arrays.stream(shape.split(",")).mapToLong(Long::parseLong).toArray();
        Graph original = file.endsWith(".onnx") ? OnnxImporter.read(source)
                : io.signstream.engine.torchscript.TorchScriptImporter.read(source, sample);
        Path exported = tmp.resolve("real.onnx");
        OnnxExporter.write(original, exported);
        Graph again = OnnxImporter.read(exported);
        assertSameGraph(original, again);
        long[] batch = new long[sample.length + 1];
        batch[0] = 2;
        System.arraycopy(sample, 0, batch, 1, sample.length);
        int n = (int) java.util.Arrays.stream(batch).reduce(1, (a, b) -> a * b);
        float[] values = OnnxExportTesting.normal(5, n);
        for (int i = 0; i < n; i++) {
            values[i] = Math.abs(values[i]); // pixel-like, non-negative
        }
        NpyArray x = new NpyArray(values, batch);
        int[] targets = {1, 7};
        for (EngineKind engine : EngineKind.values()) {
            try (io.signstream.engine.backend.Backend b = io.signstream.engine.backend.Backends.open(engine)) {
                float[] l0 = OnnxExportTesting.logits(b, original, x);
                float[] l1 = OnnxExportTesting.logits(b, again, x);
                assertTrue(maxAbsDiff(l0, l1) <= TOLERANCE * Math.max(1, maxAbs(l0)), engine + " logits");
                for (String method : List.of("gradient", "lrp_epsilon_0_1")) {
                    float[] m0 = OnnxExportTesting.map(b, original, x, targets, method);
                    float[] m1 = OnnxExportTesting.map(b, again, x, targets, method);
                    assertTrue(maxAbs(m0) > 0, engine + " " + method + " is all zero");
                    assertTrue(maxAbsDiff(m0, m1) <= TOLERANCE * Math.max(1, maxAbs(m0)), engine + " " + method);
                }
            }
        }
    }

    /**
     * Keras and TensorFlow.js models (channels-last): the export keeps their input layout, so the ONNX model takes
     * the same arrays and gives the same logits and maps, and says NHWC in its metadata.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "tf/cnn/model/model.json, tf/cnn/input_0.npy, NHWC",
        "tf/mlp/model/model.json, tf/mlp/input_0.npy, NC",
        "real/kotlindl_lenet_h5_weights/mnist_weights_only.h5,"
                + " real/kotlindl_lenet_h5_weights/canonical/digit5.input.npy, NHWC",
        "real/tensorspace_lenet_keras_h5/keras_mnist_lenet.h5,"
                + " real/tensorspace_lenet_keras_h5/canonical/digit5.input.npy, NTC"})
    void kerasModelsRoundTrip(String file, String inputFile, String layout) throws Exception {
        Path source = Fixtures.file(file);
        NpyArray x = Fixtures.npy(Fixtures.file(inputFile));
        Path exported = tmp.resolve("keras.onnx");
        Graph original;
        try (Explainer ex = Explainer.open(source, EngineKind.TENSORFLOW, DeviceChoice.CPU)) {
            original = ex.graph(x.sampleShape());
        }
        OnnxExporter.write(original, exported);
        assertEquals(Optional.of(TensorLayout.valueOf(layout)), OnnxMetadata.layout(exported));
        assertSameGraph(original, OnnxImporter.read(exported));
        for (EngineKind engine : EngineKind.values()) {
            try (Explainer before = Explainer.open(source, engine, DeviceChoice.CPU);
                    Explainer after = Explainer.open(exported, engine, DeviceChoice.CPU)) {
                float[] l0 = before.logits(x).data();
                assertTrue(maxAbsDiff(l0, after.logits(x).data()) <= TOLERANCE * Math.max(1, maxAbs(l0)),
                        engine + " logits");
                for (String method : List.of("gradient", "lrp_epsilon_0_1")) {
                    float[] m0 = before.explain(x, null, method, Map.of()).map().data();
                    float[] m1 = after.explain(x, null, method, Map.of()).map().data();
                    assertTrue(maxAbs(m0) > 0, engine + " " + method + " is all zero");
                    assertTrue(maxAbsDiff(m0, m1) <= TOLERANCE * Math.max(1, maxAbs(m0)), engine + " " + method);
                }
            }
        }
    }
}
