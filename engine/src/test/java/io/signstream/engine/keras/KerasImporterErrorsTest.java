package io.signstream.engine.keras;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import io.signstream.engine.testing.Fixtures;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bad input gives one clear error each: a typed {@link ExplainException} whose one-line message names what is
 * wrong (the file, the layer class and name, both shapes).
 */
class KerasImporterErrorsTest {

    static {
        KerasTesting.quietJhdf();
    }

    @TempDir
    Path dir;

    private static ExplainException fails(Kind kind, Executable call, String... fragments) {
        ExplainException e = assertThrows(ExplainException.class, call);
        System.out.println(kind + ": " + e.getMessage());
        assertEquals(kind, e.kind(), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + f + "' in: " + e.getMessage());
        }
        return e;
    }

    // ---- HDF5 files ----

    @Test
    void missingFile() {
        fails(Kind.MODEL_NOT_FOUND, () -> KerasH5Importer.read(dir.resolve("nope.h5")), "nope.h5");
        fails(Kind.MODEL_NOT_FOUND, () -> KerasArchiveImporter.read(dir.resolve("nope.keras")), "nope.keras");
        fails(Kind.MODEL_NOT_FOUND, () -> TfjsImporter.read(dir.resolve("model.json")), "model.json");
    }

    @Test
    void filesThatAreNotHdf5() throws IOException {
        Path text = Files.writeString(dir.resolve("notes.h5"), "these are not weights");
        fails(Kind.CORRUPT_MODEL, () -> KerasH5Importer.read(text), "notes.h5 is not an HDF5 file");
        Path empty = Files.write(dir.resolve("empty.h5"), new byte[0]);
        fails(Kind.CORRUPT_MODEL, () -> KerasH5Importer.read(empty), "empty");
        Path zip = Files.copy(Fixtures.file("real/torchsharp_torchscript_mlp/linrelu.script.dat"),
                dir.resolve("zipped.h5"));
        fails(Kind.CORRUPT_MODEL, () -> KerasH5Importer.read(zip), "not an HDF5 file", "zip archive");
        Path json = Files.writeString(dir.resolve("config.h5"), "{\"class_name\": \"Sequential\"}");
        fails(Kind.CORRUPT_MODEL, () -> KerasH5Importer.read(json), "JSON");
    }

    /** A download cut short, anywhere from inside the superblock to the last dataset. */
    @ParameterizedTest
    @ValueSource(doubles = {0.0001, 0.05, 0.3, 0.6, 0.9, 0.999})
    void truncatedFile(double keep) throws IOException {
        byte[] all = Files.readAllBytes(Fixtures.file(KerasRealModelsTest.TENSORSPACE + "keras_mnist_lenet.h5"));
        Path cut = Files.write(dir.resolve("cut.h5"), Arrays.copyOf(all, Math.max(9, (int) (all.length * keep))));
        fails(Kind.CORRUPT_MODEL, () -> KerasH5Importer.read(cut), "cut.h5");
    }

    @Test
    void weightsOnlyFileWithoutItsConfig() throws Exception {
        Path sub = Files.createDirectories(dir.resolve("alone"));
        KerasSyntheticModelsTest.series().writeWeightsOnlyH5(sub.resolve("w.h5"), sub.resolve("w.cfg"));
        fails(Kind.UNSUPPORTED_MODEL, () -> KerasH5Importer.read(sub.resolve("w.h5")), "weights only",
                "modelConfig.json");
        fails(Kind.MODEL_NOT_FOUND, () -> KerasH5Importer.read(sub.resolve("w.h5"), sub.resolve("missing.json")),
                "missing.json");
    }

    // ---- configs ----

    @Test
    void unknownLayerNamesItsClassAndName() throws Exception {
        Path[] files = withConfig(KerasSyntheticModelsTest.series(), c -> layer(c, "c2").addProperty("class_name",
                "LSTM"));
        fails(Kind.UNSUPPORTED_MODEL, () -> KerasH5Importer.read(files[0], files[1]), "LSTM", "'c2'",
                "supported layers");
    }

    @Test
    void weightShapeThatDoesNotFitTheConfigNamesLayerAndBothShapes() throws Exception {
        Path[] conv = withConfig(KerasSyntheticModelsTest.cnn2d(),
                c -> layer(c, "conv_a").getAsJsonObject("config").addProperty("filters", 5));
        fails(Kind.CORRUPT_MODEL, () -> KerasH5Importer.read(conv[0], conv[1]), "'conv_a' (Conv2D)",
                "[2, 3, 3, 4]", "[2, 3, 3, 5]");
        Path[] dense = withConfig(KerasSyntheticModelsTest.series(),
                c -> layer(c, "out").getAsJsonObject("config").addProperty("units", 7));
        fails(Kind.CORRUPT_MODEL, () -> KerasH5Importer.read(dense[0], dense[1]), "'out' (Dense)", "[4, 3]",
                "[4, 7]");
        Path[] noBias = withConfig(KerasSyntheticModelsTest.series(),
                c -> layer(c, "out").getAsJsonObject("config").addProperty("use_bias", false));
        fails(Kind.CORRUPT_MODEL, () -> KerasH5Importer.read(noBias[0], noBias[1]), "'out' (Dense)", "2 stored",
                "implies 1");
    }

    @Test
    void softmaxInsideTheModelIsRefused() throws Exception {
        Path[] files = withConfig(KerasSyntheticModelsTest.cnn2d(),
                c -> layer(c, "hidden").getAsJsonObject("config").addProperty("activation", "softmax"));
        fails(Kind.UNSUPPORTED_MODEL, () -> KerasH5Importer.read(files[0], files[1]), "'hidden'", "softmax");
    }

    @Test
    void otherUnsupportedConfigs() throws Exception {
        Path[] elu = withConfig(KerasSyntheticModelsTest.cnn2d(),
                c -> layer(c, "hidden").getAsJsonObject("config").addProperty("activation", "elu"));
        fails(Kind.UNSUPPORTED_MODEL, () -> KerasH5Importer.read(elu[0], elu[1]), "'elu'", "'hidden'");
        Path[] cf = withConfig(KerasSyntheticModelsTest.cnn2d(),
                c -> layer(c, "conv_a").getAsJsonObject("config").addProperty("data_format", "channels_first"));
        fails(Kind.UNSUPPORTED_MODEL, () -> KerasH5Importer.read(cf[0], cf[1]), "channels_first", "'conv_a'");
        Path[] nested = withConfig(KerasSyntheticModelsTest.cnn2d(), c -> layer(c, "bn").addProperty("class_name",
                "Sequential"));
        fails(Kind.UNSUPPORTED_MODEL, () -> KerasH5Importer.read(nested[0], nested[1]), "nested");
    }

    @Test
    void functionalConfigReadingAnUnknownLayer() throws Exception {
        Path[] files = withConfig(KerasSyntheticModelsTest.branches(), c -> layer(c, "sum")
                .getAsJsonArray("inbound_nodes").get(0).getAsJsonArray().get(1).getAsJsonArray().set(0,
                        JsonParser.parseString("\"ghost\"")));
        fails(Kind.CORRUPT_MODEL, () -> KerasH5Importer.read(files[0], files[1]), "'sum'", "ghost");
    }

    @Test
    void malformedConfigs() throws Exception {
        KerasSyntheticModelsTest.series().writeWeightsOnlyH5(dir.resolve("m.h5"), dir.resolve("m.json"));
        Files.writeString(dir.resolve("bad.json"), "{\"class_name\": \"Sequential\", \"config\": ");
        fails(Kind.CORRUPT_MODEL, () -> KerasH5Importer.read(dir.resolve("m.h5"), dir.resolve("bad.json")),
                "not valid JSON");
        Files.writeString(dir.resolve("odd.json"), "{\"class_name\": \"Sequential\", \"config\": {\"layers\": 3}}");
        fails(Kind.CORRUPT_MODEL, () -> KerasH5Importer.read(dir.resolve("m.h5"), dir.resolve("odd.json")),
                "malformed");
        Files.writeString(dir.resolve("what.json"), "{\"class_name\": \"Pipeline\", \"config\": {}}");
        fails(Kind.UNSUPPORTED_MODEL, () -> KerasH5Importer.read(dir.resolve("m.h5"), dir.resolve("what.json")),
                "Pipeline");
    }

    // ---- .keras archives ----

    @Test
    void kerasArchivesThatAreNotArchives() throws Exception {
        Path text = Files.writeString(dir.resolve("m.keras"), "hello");
        fails(Kind.CORRUPT_MODEL, () -> KerasArchiveImporter.read(text), "not a .keras archive");
        Path h5 = Files.copy(Fixtures.file(KerasRealModelsTest.TENSORSPACE + "keras_mnist_lenet.h5"),
                dir.resolve("old.keras"));
        fails(Kind.CORRUPT_MODEL, () -> KerasArchiveImporter.read(h5), "not a .keras archive", "HDF5");
    }

    @Test
    void kerasArchiveEntries() throws Exception {
        Path good = dir.resolve("good.keras");
        KerasSyntheticModelsTest.branches().writeKerasArchive(good);
        Path noConfig = rezip(good, dir.resolve("noconfig.keras"), "config.json", null);
        fails(Kind.CORRUPT_MODEL, () -> KerasArchiveImporter.read(noConfig), "no config.json");
        Path npz = rezip(good, dir.resolve("npz.keras"), "model.weights.h5", "model.weights.npz");
        fails(Kind.UNSUPPORTED_MODEL, () -> KerasArchiveImporter.read(npz), "npz");
        Path cut = dir.resolve("cut.keras");
        byte[] all = Files.readAllBytes(good);
        Files.write(cut, Arrays.copyOf(all, all.length / 2));
        fails(Kind.CORRUPT_MODEL, () -> KerasArchiveImporter.read(cut), "cut.keras");
    }

    // ---- TF.js ----

    @Test
    void tfjsShardsThatDoNotMatchTheManifest() throws Exception {
        Path model = dir.resolve("tfjs");
        KerasSyntheticModelsTest.series().writeTfjs(model);
        Path shard = model.resolve("group1-shard1of1.bin");
        byte[] bytes = Files.readAllBytes(shard);
        Files.write(shard, Arrays.copyOf(bytes, bytes.length - 8));
        fails(Kind.CORRUPT_MODEL, () -> TfjsImporter.read(model.resolve("model.json")), "end inside", "out/bias");
        Files.write(shard, Arrays.copyOf(bytes, bytes.length + 4));
        fails(Kind.CORRUPT_MODEL, () -> TfjsImporter.read(model.resolve("model.json")), "4 bytes more");
        Files.delete(shard);
        fails(Kind.MODEL_NOT_FOUND, () -> TfjsImporter.read(model.resolve("model.json")), "group1-shard1of1.bin");
    }

    @Test
    void jsonThatIsNotATfjsLayersModel() throws Exception {
        Path graphModel = Files.writeString(dir.resolve("graph.json"),
                "{\"format\": \"graph-model\", \"modelTopology\": {\"node\": []}, \"weightsManifest\": []}");
        fails(Kind.UNSUPPORTED_MODEL, () -> TfjsImporter.read(graphModel), "graph model");
        Path config = Files.copy(Fixtures.file(KerasRealModelsTest.KOTLINDL + "modelConfig.json"),
                dir.resolve("modelConfig.json"));
        fails(Kind.MODEL_NOT_FOUND, () -> TfjsImporter.read(config), "Keras model config without weights",
                "modelConfig.h5");
        Files.copy(Fixtures.file(KerasRealModelsTest.DL4J + "simple_mlp.h5"), dir.resolve("a.h5"));
        Files.copy(Fixtures.file(KerasRealModelsTest.DL4J + "simple_mlp.h5"), dir.resolve("b.h5"));
        fails(Kind.MODEL_NOT_FOUND, () -> TfjsImporter.read(config), "several .h5 files (a.h5, b.h5)",
                "name its weights modelConfig.h5");
        Files.delete(dir.resolve("a.h5"));
        Files.delete(dir.resolve("b.h5"));
        Path binary = Files.copy(Fixtures.file(KerasRealModelsTest.DL4J + "simple_mlp.h5"), dir.resolve("x.json"));
        fails(Kind.CORRUPT_MODEL, () -> TfjsImporter.read(binary), "not JSON", "HDF5");
        Path broken = Files.writeString(dir.resolve("broken.json"), "{\"modelTopology\": ");
        fails(Kind.CORRUPT_MODEL, () -> TfjsImporter.read(broken), "not valid JSON");
    }

    // ---- helpers ----

    /** Writes the model as weights-only .h5 and its config, edited; returns {weights, config}. */
    private Path[] withConfig(TinyKeras m, Consumer<JsonObject> edit) throws IOException {
        Path h5 = dir.resolve(m.name() + "_w.h5");
        Path cfg = dir.resolve(m.name() + "_edited.json");
        m.writeWeightsOnlyH5(h5, cfg);
        JsonObject c = JsonParser.parseString(Files.readString(cfg)).getAsJsonObject();
        edit.accept(c);
        Files.writeString(cfg, c.toString());
        return new Path[] {h5, cfg};
    }

    private static JsonObject layer(JsonObject modelConfig, String name) {
        JsonArray layers = modelConfig.getAsJsonObject("config").getAsJsonArray("layers");
        for (JsonElement e : layers) {
            JsonObject o = e.getAsJsonObject();
            if (name.equals(o.getAsJsonObject("config").get("name").getAsString())) {
                return o;
            }
        }
        throw new AssertionError("no layer " + name);
    }

    /** A copy of a zip with one entry dropped (to == null) or renamed. */
    private static Path rezip(Path from, Path to, String entry, String renamed) throws IOException {
        try (ZipFile in = new ZipFile(from.toFile()); OutputStream os = Files.newOutputStream(to);
                ZipOutputStream out = new ZipOutputStream(os)) {
            for (var e : java.util.Collections.list(in.entries())) {
                String name = e.getName();
                if (name.equals(entry)) {
                    if (renamed == null) {
                        continue;
                    }
                    name = renamed;
                }
                out.putNextEntry(new ZipEntry(name));
                out.write(in.getInputStream(e).readAllBytes());
                out.closeEntry();
            }
        }
        return to;
    }

}
