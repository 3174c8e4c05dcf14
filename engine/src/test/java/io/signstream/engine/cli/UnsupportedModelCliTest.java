package io.signstream.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.signstream.engine.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A model that cannot be imported fails with one line naming what is missing, on both engines, in {@code explain},
 * {@code compare} and {@code convert} (issue 10, item 5). The model, {@code unsupported/lrn_cnn.onnx}, is a tiny CNN
 * with an ONNX {@code LRN} node (AlexNet's local response normalisation), made by
 * {@code src/test/python/make_unsupported_op_model.py}.
 */
class UnsupportedModelCliTest {

    static final String WHAT_IS_MISSING = "unsupported ONNX op 'LRN' in node 'norm'";

    @TempDir
    Path tmp;

    static String model() {
        return Fixtures.root().getParent().resolve("unsupported/lrn_cnn.onnx").toString();
    }

    static String input() {
        return Fixtures.root().resolve("digits_cnn/x0/input.npy").toString();
    }

    @ParameterizedTest
    @ValueSource(strings = {"pytorch", "tensorflow"})
    void explainNamesTheOpInOneLine(String engine) {
        EngineCliTest.Result r = EngineCliTest.run("explain", "--model", model(), "--input", input(), "--method",
                "gradient", "--engine", engine, "--out", tmp.resolve("maps").toString());
        assertOneLine(r);
        assertFalse(Files.exists(tmp.resolve("maps/gradient.npy")), "no map for a model that did not import");
    }

    @ParameterizedTest
    @ValueSource(strings = {"pytorch", "tensorflow"})
    void compareNamesTheOpInOneLine(String engine) {
        String digits = Fixtures.model("digits_cnn", "onnx").toString();
        EngineCliTest.Result r = EngineCliTest.run("compare", "--model", digits, "--model", model(), "--engine",
                engine, "--input", input(), "--method", "gradient");
        assertOneLine(r);
    }

    @ParameterizedTest
    @ValueSource(strings = {"onnx"})
    void convertNamesTheOpInOneLine(String to) {
        Path out = tmp.resolve("converted.onnx");
        EngineCliTest.Result r = EngineCliTest.run("convert", "--model", model(), "--to", to, "--out", out.toString());
        assertOneLine(r);
        assertFalse(Files.exists(out), "nothing written for a model that did not import");
    }

    private static void assertOneLine(EngineCliTest.Result r) {
        EngineCliTest.assertOneLineError(r, 1, WHAT_IS_MISSING);
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
    }
}
