package io.signstream.engine.torchscript;

import static io.signstream.engine.torchscript.TorchScriptFixtures.oneHot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Files that are not (valid) TorchScript, and inputs that do not fit: one-line errors of the right kind. */
// libtorch's autograd is this test's reference: it runs capped at AVX (engine/pom.xml, "libtorch-autograd")
@Tag("libtorch-autograd")
class TorchScriptBadInputTest {

    @TempDir
    Path dir;

    private static Path fixture(String model) {
        return TorchScriptFixtures.root().resolve(model).resolve(model + ".pt");
    }

    private static ExplainException expect(Kind kind, Executable call) {
        ExplainException e = assertThrows(ExplainException.class, call);
        System.out.println("MESSAGE " + e.kind() + ": " + e.getMessage());
        assertEquals(kind, e.kind(), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "multi-line message: " + e.getMessage());
        assertTrue(e.getMessage().length() < 400, "overlong message: " + e.getMessage());
        return e;
    }

    @Test
    void missingFile() {
        Path missing = dir.resolve("nope.pt");
        expect(Kind.MODEL_NOT_FOUND, () -> TorchScriptModel.load(missing));
        expect(Kind.MODEL_NOT_FOUND, () -> TorchScriptImporter.read(missing, new long[] {20}));
        expect(Kind.MODEL_NOT_FOUND, () -> TorchScriptModel.load(dir)); // a folder is not a model file
    }

    @Test
    void garbageBytes() throws Exception {
        byte[] junk = new byte[4096];
        new Random(42).nextBytes(junk);
        Path garbage = Files.write(dir.resolve("garbage.pt"), junk);
        ExplainException e = expect(Kind.CORRUPT_MODEL, () -> TorchScriptModel.load(garbage));
        assertTrue(e.getMessage().contains("garbage.pt"), e.getMessage());
        expect(Kind.CORRUPT_MODEL, () -> TorchScriptImporter.read(garbage, new long[] {20}));

        Path empty = Files.write(dir.resolve("empty.pt"), new byte[0]);
        expect(Kind.CORRUPT_MODEL, () -> TorchScriptModel.load(empty));
        expect(Kind.CORRUPT_MODEL, () -> TorchScriptImporter.read(empty, new long[] {20}));
    }

    @Test
    void truncatedArchive() throws Exception {
        byte[] whole = Files.readAllBytes(fixture("mlp"));
        Path half = Files.write(dir.resolve("half.pt"), Arrays.copyOf(whole, whole.length / 2));
        expect(Kind.CORRUPT_MODEL, () -> TorchScriptModel.load(half));
        expect(Kind.CORRUPT_MODEL, () -> TorchScriptImporter.read(half, new long[] {20}));
    }

    @Test
    void zipWithoutTorchScript() throws Exception {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("notes/readme.txt", "hello".getBytes(StandardCharsets.UTF_8));
        Path zip = dir.resolve("notes.pt");
        TinyTorchScript.writeZip(zip, entries);
        expect(Kind.CORRUPT_MODEL, () -> TorchScriptModel.load(zip));
        expect(Kind.CORRUPT_MODEL, () -> TorchScriptImporter.read(zip, new long[] {20}));
    }

    @Test
    void corruptPickleAndMissingCode() throws Exception {
        Path badPickle = TinyTorchScript.copyEdited(fixture("mlp"), dir.resolve("bad_pickle.pt"),
                e -> e.put("mlp/data.pkl", "not a pickle".getBytes(StandardCharsets.UTF_8)));
        expect(Kind.CORRUPT_MODEL, () -> TorchScriptImporter.read(badPickle, new long[] {20}));
        expect(Kind.CORRUPT_MODEL, () -> TorchScriptModel.load(badPickle));

        Path noStorage = TinyTorchScript.copyEdited(fixture("mlp"), dir.resolve("no_storage.pt"),
                e -> e.remove("mlp/data/0"));
        ExplainException e = expect(Kind.CORRUPT_MODEL, () -> TorchScriptImporter.read(noStorage, new long[] {20}));
        assertTrue(e.getMessage().contains("layers.0.weight"), e.getMessage());

        Path noCode = TinyTorchScript.copyEdited(fixture("mlp"), dir.resolve("no_code.pt"),
                e2 -> e2.keySet().removeIf(k -> k.contains("/code/")));
        expect(Kind.CORRUPT_MODEL, () -> TorchScriptImporter.read(noCode, new long[] {20}));
    }

    @Test
    void sampleShapeThatDoesNotFitTheWeights() {
        ExplainException e = expect(Kind.BAD_SHAPE,
                () -> TorchScriptImporter.read(fixture("digits_cnn"), new long[] {3, 16, 16}));
        assertTrue(e.getMessage().contains("features.0"), e.getMessage());
        expect(Kind.BAD_SHAPE, () -> TorchScriptImporter.read(fixture("mlp"), new long[] {21}));
        expect(Kind.BAD_SHAPE, () -> TorchScriptImporter.read(fixture("digits_cnn"), new long[] {1, 8, 8}));
        expect(Kind.BAD_SHAPE, () -> TorchScriptImporter.read(fixture("digits_cnn"), new long[] {1, 1, 16, 16}));
        expect(Kind.BAD_SHAPE, () -> TorchScriptImporter.read(fixture("mlp"), new long[0]));
        expect(Kind.BAD_SHAPE, () -> TorchScriptImporter.read(fixture("mlp"), new long[] {0}));
    }

    @Test
    void inputOrSeedThatDoesNotFitTheModel() throws Exception {
        try (TorchScriptModel model = TorchScriptModel.load(fixture("mlp"));
                NDManager m = NDManager.newBaseManager("PyTorch")) {
            ExplainException e = expect(Kind.BAD_SHAPE, () -> model.forward(m.ones(new Shape(2, 21))));
            assertTrue(e.getMessage().contains("mlp.pt"), e.getMessage());
            expect(Kind.BAD_SHAPE, () -> model.inputGradient(m.ones(new Shape(2, 21)), m.ones(new Shape(2, 3))));
            expect(Kind.BAD_SHAPE, () -> model.inputGradient(m.ones(new Shape(2, 20)), oneHot(m, 3, 0)));
            // the lock and the collector are released after a failure: the next gradient works
            assertEquals(new Shape(1, 20), model.inputGradient(m.ones(new Shape(1, 20)), oneHot(m, 3, 1)).getShape());
        }
    }
}
