package io.signstream.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.engine.npy.NpyArray;
import io.signstream.engine.npy.NpyFile;
import io.signstream.engine.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line: the DESIGN.md contract, and one clear line plus a non-zero exit for every bad input. */
class EngineCliTest {

    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {
    }

    static Result run(String command, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = EngineCli.run(command, args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    String model() {
        return Fixtures.model("digits_cnn", "onnx").toString();
    }

    String input() {
        return Fixtures.root().resolve("digits_cnn/x0/input.npy").toString();
    }

    Result explain(String... extra) {
        List<String> args = new ArrayList<>(List.of("--model", model(), "--input", input(), "--out",
                tmp.resolve("maps").toString()));
        args.addAll(Arrays.asList(extra));
        return run("explain", args.toArray(String[]::new));
    }

    static void assertOneLineError(Result r, int code, String fragment) {
        assertEquals(code, r.code(), r.err());
        String[] lines = r.err().strip().split("\n");
        assertTrue(lines[0].startsWith("error: "), r.err());
        assertTrue(r.err().contains(fragment), "expected '" + fragment + "' in: " + r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    }

    @Test
    void explainWritesOneNpyPerMethodAndOneJsonLinePerMap() throws Exception {
        Result r = explain("--method", "gradient,lrp_epsilon_0_1", "--target", "3", "--engine", "tensorflow");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(2, lines.length, r.out());
        assertTrue(lines[0].matches("\\{\"method\": \"gradient\", \"engine\": \"tensorflow\", \"target\": 3,"
                + " \"logit\": [-0-9.E]+, \"seconds\": [0-9.]+\\}"), lines[0]);
        NpyArray map = NpyFile.read(tmp.resolve("maps/gradient.npy"));
        assertArrayEquals(new long[] {1, 1, 16, 16}, map.shape());
        NpyArray reference = Fixtures.canonical("digits_cnn", "x0", "gradient");
        double maxRef = 0;
        double maxDiff = 0;
        for (int i = 0; i < map.data().length; i++) {
            maxRef = Math.max(maxRef, Math.abs(reference.data()[i]));
            maxDiff = Math.max(maxDiff, Math.abs(reference.data()[i] - map.data()[i]));
        }
        assertTrue(maxDiff <= 1e-4 * maxRef + 1e-7, "gradient differs by " + maxDiff);
        assertTrue(Files.exists(tmp.resolve("maps/lrp_epsilon_0_1.npy")));
    }

    static void assertArrayEquals(long[] expected, long[] actual) {
        assertEquals(Arrays.toString(expected), Arrays.toString(actual));
    }

    @Test
    void compareReportsAgreementPerMethod() {
        Result r = run("compare", "--model", model(), "--input", input(), "--method", "gradient,integrated_gradients");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(2, lines.length);
        for (String line : lines) {
            assertTrue(line.contains("\"engines\": [\"pytorch\", \"tensorflow\"]"), line);
            double r2 = Double.parseDouble(line.replaceAll(".*\"pearson_r\": ([-0-9.]+).*", "$1"));
            assertTrue(r2 > 0.99999, line);
        }
    }

    @Test
    void methodsListsEveryLegacyName() {
        Result r = run("methods");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("gradient_x_sign_mu_neg_0_5"));
        assertTrue(r.out().contains("lrpsign_epsilon_0_25_std_x_mu_neg_0_5"));
        assertTrue(r.out().contains("deeplift_x_sign") && r.out().contains("reference_inputs=0"), r.out());
        assertTrue(r.out().contains("guided_grad_cam_MNISTCNN") && r.out().contains("random_uniform"), r.out());
    }

    /** The last catalogue names explain like any other (their maps are checked in CatalogueMapsTest). */
    @Test
    void deepliftGuidedGradCamAndRandomUniformExplain() throws Exception {
        Result r = explain("--method", "deeplift,guided_grad_cam,random_uniform", "--target", "3");
        assertEquals(0, r.code(), r.err());
        for (String m : List.of("deeplift", "guided_grad_cam", "random_uniform")) {
            assertEquals(256, NpyFile.read(tmp.resolve("maps").resolve(m + ".npy")).data().length, m);
        }
    }

    @Test
    void wrongShape() throws Exception {
        Path bad = tmp.resolve("bad.npy");
        NpyFile.write(bad, new NpyArray(new float[20], new long[] {1, 20}));
        Result r = run("explain", "--model", model(), "--input", bad.toString(), "--method", "gradient", "--out",
                tmp.toString());
        assertOneLineError(r, 1, "expects (batch, 1, 16, 16)");
    }

    @Test
    void wrongRank() throws Exception {
        Path bad = tmp.resolve("bad.npy");
        NpyFile.write(bad, new NpyArray(new float[256], new long[] {256}));
        Result r = run("explain", "--model", model(), "--input", bad.toString(), "--method", "gradient", "--out",
                tmp.toString());
        assertOneLineError(r, 1, "rank 1");
    }

    @Test
    void unsupportedDtype() throws Exception {
        Path bad = tmp.resolve("complex.npy");
        byte[] good = NpyFile.toBytes(new NpyArray(new float[4], new long[] {1, 4}));
        String text = new String(good, StandardCharsets.ISO_8859_1).replace("'<f4'", "'<c8'");
        Files.write(bad, text.getBytes(StandardCharsets.ISO_8859_1));
        Result r = run("explain", "--model", model(), "--input", bad.toString(), "--method", "gradient", "--out",
                tmp.toString());
        assertOneLineError(r, 1, "unsupported dtype '<c8'");
    }

    @Test
    void nonFiniteInput() throws Exception {
        NpyArray x = Fixtures.input("digits_cnn", "x0");
        float[] data = x.data().clone();
        data[17] = Float.NaN;
        Path bad = tmp.resolve("nan.npy");
        NpyFile.write(bad, new NpyArray(data, x.shape()));
        Result r = run("explain", "--model", model(), "--input", bad.toString(), "--method", "gradient", "--out",
                tmp.toString());
        assertOneLineError(r, 1, "NaN at flat index 17");
        data[17] = Float.POSITIVE_INFINITY;
        NpyFile.write(bad, new NpyArray(data, x.shape()));
        assertOneLineError(run("explain", "--model", model(), "--input", bad.toString(), "--method", "gradient",
                "--out", tmp.toString()), 1, "Infinity");
    }

    @Test
    void unknownMethodListsClosestNames() {
        assertOneLineError(explain("--method", "gradient_x_sgn"), 1, "closest valid names: gradient_x_sign");
    }

    @Test
    void badParameter() {
        assertOneLineError(explain("--method", "integrated_gradients", "--param", "steps=many"), 1,
                "steps=many is not an integer");
        assertOneLineError(explain("--method", "smoothgrad", "--param", "augment_by_n=0"), 1, "out of range");
    }

    @Test
    void targetOutOfRange() {
        assertOneLineError(explain("--method", "gradient", "--target", "10"), 1, "target 10 out of range");
    }

    @Test
    void missingModel() {
        Result r = run("explain", "--model", tmp.resolve("nope.onnx").toString(), "--input", input(), "--method",
                "gradient", "--out", tmp.toString());
        assertOneLineError(r, 1, "model file not found");
    }

    @Test
    void corruptModel() throws Exception {
        Path bad = tmp.resolve("corrupt.onnx");
        Files.write(bad, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        Result r = run("explain", "--model", bad.toString(), "--input", input(), "--method", "gradient", "--out",
                tmp.toString());
        assertEquals(1, r.code(), r.err());
        assertFalse(r.err().contains("\tat "));
    }

    @Test
    void missingInput() {
        Result r = run("explain", "--model", model(), "--input", tmp.resolve("none.npy").toString(), "--method",
                "gradient", "--out", tmp.toString());
        assertOneLineError(r, 1, "input file not found");
    }

    @Test
    void usageErrorsExitWithTwo() {
        Result r = run("explain", "--model", model());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("usage: signstream explain"), r.err());
        assertEquals(2, run("explain", "--modle", "x").code());
    }
}
