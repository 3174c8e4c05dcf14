package io.signstream.engine.cli;

import static io.signstream.engine.cli.EngineCliTest.assertOneLineError;
import static io.signstream.engine.cli.EngineCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.engine.cli.EngineCliTest.Result;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.npy.NpyArray;
import io.signstream.engine.npy.NpyFile;
import io.signstream.engine.graph.TensorLayout;
import io.signstream.engine.onnx.OnnxExporter;
import io.signstream.engine.onnx.OnnxImporter;
import io.signstream.engine.onnx.OnnxMetadata;
import io.signstream.engine.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code signstream convert}: any model to ONNX that {@code explain} accepts; one-line errors otherwise. */
class ConvertCommandTest {

    @TempDir
    Path tmp;

    static String input(String model) {
        return Fixtures.root().resolve(model + "/x0/input.npy").toString();
    }

    @Test
    void torchScriptToOnnxThatExplainAccepts() throws Exception {
        Path onnx = tmp.resolve("out/digits_cnn.onnx");
        Result r = run("convert", "--model", Fixtures.model("digits_cnn", "pt").toString(), "--input",
                input("digits_cnn"), "--to", "onnx", "--out", onnx.toString());
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(1, lines.length, r.out());
        assertTrue(lines[0].startsWith("{\"wrote\": \"" + onnx + "\", \"format\": \"onnx\", \"opset\": 13"), lines[0]);
        assertTrue(lines[0].contains("\"input_shape\": [\"N\", 1, 16, 16]"), lines[0]);
        assertTrue(lines[0].contains("\"output_shape\": [\"N\", 10]"), lines[0]);
        assertTrue(lines[0].contains("\"logits_max_abs_diff\": 0.000e+00"), lines[0]);
        assertTrue(Files.size(onnx) > 0);

        Result explained = run("explain", "--model", onnx.toString(), "--input", input("digits_cnn"), "--method",
                "gradient,grad_cam", "--param", "layer_name=features.4", "--target", "3", "--out",
                tmp.resolve("maps").toString());
        assertEquals(0, explained.code(), explained.err());
        NpyArray map = NpyFile.read(tmp.resolve("maps/gradient.npy"));
        NpyArray reference = Fixtures.canonical("digits_cnn", "x0", "gradient");
        double maxRef = 0;
        double maxDiff = 0;
        for (int i = 0; i < map.data().length; i++) {
            maxRef = Math.max(maxRef, Math.abs(reference.data()[i]));
            maxDiff = Math.max(maxDiff, Math.abs(reference.data()[i] - map.data()[i]));
        }
        assertTrue(maxDiff <= 1e-4 * maxRef + 1e-7, "gradient differs from the canonical map by " + maxDiff);
    }

    /**
     * The small ViT's trace (per-sample attention, class token, LayerNorm, GELU, Dense on token sequences) converts
     * to ONNX, and the converted model gives both samples of a batch of two torch's float64 gradient.
     */
    @Test
    void visionTransformerTraceConvertsToOnnx() throws Exception {
        Path vit = Fixtures.root().getParent().resolve("architectures/vit");
        Path onnx = tmp.resolve("vit.onnx");
        Result r = run("convert", "--model", vit.resolve("model.pt").toString(), "--input",
                vit.resolve("input.npy").toString(), "--to", "onnx", "--out", onnx.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("\"input_shape\": [\"N\", 3, 32, 32]"), r.out());
        Result explained = run("explain", "--model", onnx.toString(), "--input",
                vit.resolve("batch_input.npy").toString(), "--method", "gradient", "--target", "5", "--out",
                tmp.resolve("vit_maps").toString());
        assertEquals(0, explained.code(), explained.err());
        NpyArray map = NpyFile.read(tmp.resolve("vit_maps/gradient.npy"));
        NpyArray reference = NpyFile.read(vit.resolve("batch_gradient.npy")); // both samples' arg-max is class 5
        double maxRef = 0;
        double maxDiff = 0;
        for (int i = 0; i < map.data().length; i++) {
            maxRef = Math.max(maxRef, Math.abs(reference.data()[i]));
            maxDiff = Math.max(maxDiff, Math.abs(reference.data()[i] - map.data()[i]));
        }
        assertEquals(reference.data().length, map.data().length);
        assertTrue(maxDiff <= 1e-4 * maxRef, "gradient differs from torch by " + maxDiff + " (max " + maxRef + ")");
    }

    @Test
    void torchScriptWithShape() throws Exception {
        Path onnx = tmp.resolve("ts_cnn.onnx");
        Result r = run("convert", "--model", Fixtures.model("ts_cnn", "pt").toString(), "--shape", "2,256", "--to",
                "ONNX", "--out", onnx.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("\"input_layout\": \"NCT\""), r.out());
        Graph g = OnnxImporter.read(onnx);
        assertEquals("[2, 256]", Arrays.toString(g.sampleShape()));
        assertTrue(g.findNode("features.4").isPresent(), g.toString());
    }

    @Test
    void onnxNeedsNoShapeAndOutNeedsNoExtension() throws Exception {
        Path out = tmp.resolve("mlp.model");
        Result r = run("convert", "--model", Fixtures.model("mlp", "onnx").toString(), "--to", "onnx", "--out",
                out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("\"input_shape\": [\"N\", 20]"), r.out());
        assertEquals(3, OnnxImporter.read(out).nodes().stream().filter(n -> n.layer().hasKernel()).count());
    }

    @Test
    void torchScriptWithoutShapeIsOneLineError() {
        Result r = run("convert", "--model", Fixtures.model("mlp", "pt").toString(), "--to", "onnx", "--out",
                tmp.resolve("mlp.onnx").toString());
        assertOneLineError(r, 1, "give --input X.npy or --shape");
        assertFalse(Files.exists(tmp.resolve("mlp.onnx")));
    }

    @Test
    void unknownTargetFormat() {
        Result r = run("convert", "--model", Fixtures.model("mlp", "onnx").toString(), "--to", "tflite", "--out",
                tmp.resolve("m.tflite").toString());
        assertOneLineError(r, 1, "unknown --to format 'tflite' (supported: onnx)");
        assertEquals(1, r.err().strip().split("\n").length, r.err());
    }

    @Test
    void missingModel() {
        Result r = run("convert", "--model", tmp.resolve("nope.pt").toString(), "--shape", "20", "--to", "onnx",
                "--out", tmp.resolve("m.onnx").toString());
        assertOneLineError(r, 1, "model file not found");
        assertEquals(1, r.err().strip().split("\n").length, r.err());
    }

    @Test
    void badShapes() {
        assertOneLineError(run("convert", "--model", Fixtures.model("mlp", "pt").toString(), "--shape", "20,x",
                "--to", "onnx", "--out", tmp.resolve("m.onnx").toString()), 1, "--shape wants");
        assertOneLineError(run("convert", "--model", Fixtures.model("mlp", "onnx").toString(), "--shape", "21",
                "--to", "onnx", "--out", tmp.resolve("m.onnx").toString()), 1, "takes samples of shape [20]");
    }

    @Test
    void refusesToOverwriteItsModel() throws Exception {
        Path copy = tmp.resolve("mlp.onnx");
        Files.copy(Fixtures.model("mlp", "onnx"), copy);
        assertOneLineError(run("convert", "--model", copy.toString(), "--to", "onnx", "--out", copy.toString()), 1,
                "is the model file itself");
    }

    @Test
    void usageErrors() {
        Result r = run("convert", "--model", Fixtures.model("mlp", "onnx").toString(), "--out", "x.onnx");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("missing --to") && r.err().contains("usage: signstream convert"), r.err());
        r = run("convert", "--model", Fixtures.model("mlp", "pt").toString(), "--to", "onnx", "--out", "x.onnx",
                "--shape", "20", "--input", input("mlp"));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("not both"), r.err());
    }

    /** A channels-last ONNX export keeps saying so when converted again, and can be given a channels-first input. */
    @Test
    void channelsLastOnnxKeepsOrTransposesItsLayout() throws Exception {
        Path nhwc = tmp.resolve("net.onnx");
        OnnxExporter.write(CompareModelsTest.channelsLastNetwork(), nhwc);
        Path x = tmp.resolve("x.npy");
        NpyFile.write(x, new NpyArray(CompareModelsTest.normal(3, 72), new long[] {1, 6, 6, 2}));

        Path again = tmp.resolve("again.onnx");
        Result kept = run("convert", "--model", nhwc.toString(), "--input", x.toString(), "--to", "onnx", "--out",
                again.toString());
        assertEquals(0, kept.code(), kept.err());
        assertTrue(kept.out().contains("\"input_shape\": [\"N\", 6, 6, 2], \"input_layout\": \"NHWC\","
                + " \"input_transposed\": false"), kept.out());
        assertEquals(Optional.of(TensorLayout.NHWC), OnnxMetadata.layout(again));

        Path nchw = tmp.resolve("nchw.onnx");
        Result moved = run("convert", "--model", nhwc.toString(), "--input", x.toString(), "--to", "onnx", "--out",
                nchw.toString(), "--channels-first");
        assertEquals(0, moved.code(), moved.err());
        assertTrue(moved.out().contains("\"input_shape\": [\"N\", 2, 6, 6], \"input_layout\": \"NCHW\","
                + " \"input_transposed\": true"), moved.out());
        // the two transposes in front reorder the convolution's memory: float noise, no longer bit-identical
        double diff = Double.parseDouble(moved.out().replaceAll("(?s).*\"logits_max_abs_diff\": ([-0-9.e+]+).*", "$1"));
        assertTrue(diff < 1e-5, moved.out());
        assertEquals(Optional.of(TensorLayout.NCHW), OnnxMetadata.layout(nchw));
        assertEquals("[2, 6, 6]", Arrays.toString(OnnxImporter.read(nchw).sampleShape()));
    }
}
