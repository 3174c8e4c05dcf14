package io.signstream.engine.cli;

import static io.signstream.engine.cli.EngineCliTest.assertOneLineError;
import static io.signstream.engine.cli.EngineCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.engine.cli.EngineCliTest.Result;
import io.signstream.engine.graph.ActivationKind;
import io.signstream.engine.graph.ConvSpec;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Node;
import io.signstream.engine.graph.TensorLayout;
import io.signstream.engine.graph.Weights;
import io.signstream.engine.npy.NpyArray;
import io.signstream.engine.npy.NpyFile;
import io.signstream.engine.onnx.OnnxExporter;
import io.signstream.engine.testing.Fixtures;
import io.signstream.engine.viz.ComparisonGrid;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code signstream compare} with several models: a TorchScript model and its ONNX twin agree per method on
 * every (model, engine) pair; channels-last and channels-first exports of one network agree once the maps are
 * transposed; {@code --figure} writes a readable PNG; bad command lines give one-line errors.
 */
class CompareModelsTest {

    @TempDir
    Path tmp;

    static String pt() {
        return Fixtures.model("digits_cnn", "pt").toString();
    }

    static String onnx() {
        return Fixtures.model("digits_cnn", "onnx").toString();
    }

    static String input() {
        return Fixtures.root().resolve("digits_cnn/x0/input.npy").toString();
    }

    static double pearson(String line) {
        return Double.parseDouble(line.replaceAll(".*\"pearson_r\": ([-0-9.]+).*", "$1"));
    }

    static double maxAbsDiff(String line) {
        return Double.parseDouble(line.replaceAll(".*\"max_abs_diff\": ([-0-9.e+]+).*", "$1"));
    }

    @Test
    void torchScriptAndOnnxAgreeOnEveryPair() {
        Result r = run("compare", "--model", pt(), "--model", onnx(), "--input", input(), "--method",
                "gradient,lrp_epsilon_0_1");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        // 2 models x 2 engines = 4 pairs, each after the first compared with (pt, pytorch): 3 lines per method
        assertEquals(6, lines.length, r.out());
        for (String line : lines) {
            assertTrue(pearson(line) > 0.99999, line);
            assertTrue(line.contains("\"target\": 3"), line);
            assertTrue(line.contains("\"layouts\": [\"NCHW\", \"NCHW\"], \"compared_in\": \"NCHW\", \"transposed\":"
                    + " false"), line);
        }
        assertTrue(lines[0].startsWith("{\"method\": \"gradient\", \"engines\": [\"pytorch\", \"tensorflow\"],"
                + " \"models\": [\"" + pt() + "\", \"" + pt() + "\"]"), lines[0]);
        assertTrue(lines[1].contains("\"engines\": [\"pytorch\", \"pytorch\"], \"models\": [\"" + pt() + "\", \""
                + onnx() + "\"]"), lines[1]);
        assertTrue(lines[3].startsWith("{\"method\": \"lrp_epsilon_0_1\""), lines[3]);
    }

    @Test
    void oneEngineCommaSeparatedModels() {
        Result r = run("compare", "--model", pt() + "," + onnx(), "--engine", "pytorch", "--input", input(),
                "--method", "gradient,lrp_epsilon_0_1,grad_cam", "--param", "layer_name=features.4");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(3, lines.length, r.out());
        for (String line : lines) {
            assertTrue(line.contains("\"engines\": [\"pytorch\", \"pytorch\"]"), line);
            assertTrue(pearson(line) > 0.99999, line);
            assertTrue(maxAbsDiff(line) < 1e-4, line);
        }
    }

    @Test
    void figureIsAReadablePng() throws Exception {
        Path png = tmp.resolve("figs/cmp.png");
        Files.createDirectories(png.getParent());
        Result r = run("compare", "--model", pt(), "--model", onnx(), "--engine", "pt", "--engine", "tf",
                "--input", input(), "--method", "gradient", "--figure", png.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("\"figure\": \"" + png + "\""), r.out());
        assertTrue(Files.size(png) > 0);
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img, "ImageIO cannot read " + png);
        // input + 4 maps + 3 differences, 16x16 enlarged 16 times
        int[] size = ComparisonGrid.size(1, 4, 16, 16, 16);
        assertEquals(size[0], img.getWidth());
        assertEquals(size[1], img.getHeight());
    }

    @Test
    void figurePerMethodWhenSeveral() throws Exception {
        Path png = tmp.resolve("cmp.png");
        Result r = run("compare", "--model", onnx(), "--input", input(), "--method", "gradient,grad_cam",
                "--figure", png.toString());
        assertEquals(0, r.code(), r.err());
        for (String method : List.of("gradient", "grad_cam")) {
            Path file = tmp.resolve("cmp_" + method + ".png");
            assertTrue(Files.size(file) > 0, file.toString());
            assertNotNull(ImageIO.read(file.toFile()), file.toString());
        }
    }

    /** A Keras-style network (channels-last input) exported twice: as it is, and with a channels-first input. */
    @Test
    void channelsLastAgainstChannelsFirstTransposesTheMaps() throws Exception {
        Graph g = channelsLastNetwork();
        Path nhwc = tmp.resolve("net_nhwc.onnx");
        Path nchw = tmp.resolve("net_nchw.onnx");
        OnnxExporter.write(g, nhwc);
        OnnxExporter.write(g, nchw, new OnnxExporter.Options(true));
        Path x = tmp.resolve("x_nhwc.npy");
        NpyFile.write(x, new NpyArray(normal(7, 2 * 6 * 6 * 2), new long[] {2, 6, 6, 2}));

        Result r = run("compare", "--model", nhwc.toString(), "--model", nchw.toString(), "--engine", "pytorch",
                "--input", x.toString(), "--method", "gradient,lrp_epsilon_0_1");
        assertEquals(0, r.code(), r.err());
        for (String line : r.out().strip().split("\n")) {
            assertTrue(line.contains("\"layouts\": [\"NHWC\", \"NCHW\"], \"compared_in\": \"NHWC\", \"transposed\":"
                    + " true"), line);
            assertTrue(line.contains("\"target\": ["), line);
            assertTrue(pearson(line) > 0.99999, line);
            assertTrue(maxAbsDiff(line) < 1e-5, line);
        }
        // --layout says the same explicitly; saying the wrong thing is visible in the agreement
        Result explicit = run("compare", "--model", nhwc.toString(), "--model", nchw.toString(), "--engine",
                "pytorch", "--layout", "channels_last,NCHW", "--input", x.toString(), "--method", "gradient");
        assertEquals(0, explicit.code(), explicit.err());
        assertTrue(pearson(explicit.out().strip()) > 0.99999, explicit.out());
        Result wrong = run("compare", "--model", nhwc.toString(), "--model", nchw.toString(), "--engine",
                "pytorch", "--layout", "NHWC", "--input", x.toString(), "--method", "gradient");
        assertOneLineError(wrong, 1, "does not match");
    }

    /** A TensorFlow.js (Keras) model against its ONNX exports: as it is (NHWC) and with a channels-first input. */
    @Test
    void kerasModelAgainstItsOnnxExports() throws Exception {
        String json = Fixtures.file("tf/cnn/model/model.json").toString();
        String x = Fixtures.file("tf/cnn/input_2.npy").toString();
        Path nhwc = tmp.resolve("cnn.onnx");
        Path nchw = tmp.resolve("cnn_nchw.onnx");
        assertEquals(0, run("convert", "--model", json, "--to", "onnx", "--out", nhwc.toString()).code());
        Result converted = run("convert", "--model", json, "--to", "onnx", "--out", nchw.toString(),
                "--channels-first");
        assertEquals(0, converted.code(), converted.err());
        assertTrue(converted.out().contains("\"input_transposed\": true"), converted.out());

        Path png = tmp.resolve("keras.png");
        Result r = run("compare", "--model", json, "--model", nhwc.toString(), "--model", nchw.toString(),
                "--engine", "tensorflow", "--input", x, "--method", "gradient", "--figure", png.toString());
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(2, lines.length, r.out());
        assertTrue(lines[0].contains("\"layouts\": [\"NHWC\", \"NHWC\"], \"compared_in\": \"NHWC\","
                + " \"transposed\": false"), lines[0]);
        assertTrue(lines[1].contains("\"layouts\": [\"NHWC\", \"NCHW\"], \"compared_in\": \"NHWC\","
                + " \"transposed\": true"), lines[1]);
        for (String line : lines) {
            assertTrue(line.contains("\"target\": 5"), line);
            assertTrue(pearson(line) > 0.99999, line);
            assertTrue(maxAbsDiff(line) < 1e-5, line);
        }
        assertNotNull(ImageIO.read(png.toFile()));
    }

    @Test
    void figureNeedsAnImageInput() {
        Result r = run("compare", "--model", Fixtures.model("mlp", "onnx").toString(), "--input",
                Fixtures.root().resolve("mlp/x0/input.npy").toString(), "--method", "gradient", "--figure",
                tmp.resolve("f.png").toString());
        assertOneLineError(r, 1, "--figure draws image inputs");
    }

    @Test
    void badCommandLines() {
        Result one = run("compare", "--model", onnx(), "--engine", "pytorch", "--input", input(), "--method",
                "gradient");
        assertEquals(2, one.code());
        assertTrue(one.err().contains("nothing to compare"), one.err());
        Result engine = run("compare", "--model", onnx(), "--engine", "mxnet", "--input", input(), "--method",
                "gradient");
        assertEquals(2, engine.code());
        assertTrue(engine.err().contains("unknown engine 'mxnet'"), engine.err());
        Result layouts = run("compare", "--model", onnx(), "--model", pt(), "--model", onnx(), "--layout",
                "NCHW,NCHW", "--input", input(), "--method", "gradient");
        assertEquals(2, layouts.code());
        assertTrue(layouts.err().contains("2 layouts for 3 models"), layouts.err());
        Result layoutName = run("compare", "--model", onnx(), "--layout", "CHWN", "--input", input(), "--method",
                "gradient");
        assertEquals(2, layoutName.code());
        assertTrue(layoutName.err().contains("unknown layout 'CHWN'"), layoutName.err());
        Result missing = run("compare", "--model", onnx(), "--model", tmp.resolve("gone.onnx").toString(),
                "--input", input(), "--method", "gradient");
        assertOneLineError(missing, 1, "model file not found");
        assertEquals(2, run("compare", "--model").code());
    }

    static Graph channelsLastNetwork() {
        return new Graph("net", "image", new long[] {6, 6, 2}, TensorLayout.NHWC, List.of(
                new Node("image/channels_first", new Layer.Transpose(new int[] {0, 3, 1, 2}), "image"),
                new Node("conv", new Layer.Conv(weights(1, 3, 2, 3, 3), weights(2, 3), ConvSpec.simple(2, 1, 1)),
                        "image/channels_first"),
                new Node("relu", Layer.Activation.of(ActivationKind.RELU), "conv"),
                new Node("relu/channels_last", new Layer.Transpose(new int[] {0, 2, 3, 1}), "relu"),
                new Node("flatten", new Layer.Flatten(1), "relu/channels_last"),
                new Node("dense", new Layer.Dense(weights(3, 4, 108), weights(4, 4)), "flatten")));
    }

    static Weights weights(long seed, long... shape) {
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        return new Weights(normal(seed, n), shape);
    }

    static float[] normal(long seed, int n) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (0.5 * r.nextGaussian());
        }
        return v;
    }
}
