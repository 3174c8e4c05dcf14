package io.signstream.engine.method;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.signstream.engine.npy.NpyArray;
import io.signstream.engine.testing.Fixtures;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One entry of {@code src/test/resources/catalogue/manifest.json}: a float64 reference map written by
 * {@code src/test/python/catalogue_references.py} (Captum's DeepLift, guided Grad-CAM with torch autograd).
 *
 * @param model a fixture model folder name, or {@code act_cnn} (stored under catalogue/)
 */
record CatalogueReference(String model, String input, String method, String file, int target,
        Map<String, String> params) {

    /** The folder of the catalogue references, beside the fixture folder. */
    static Path root() {
        return Fixtures.root().resolveSibling("catalogue");
    }

    static List<CatalogueReference> all() {
        try (Reader r = Files.newBufferedReader(root().resolve("manifest.json"))) {
            JsonObject manifest = JsonParser.parseReader(r).getAsJsonObject();
            List<CatalogueReference> out = new ArrayList<>();
            for (JsonElement e : manifest.getAsJsonArray("references")) {
                JsonObject o = e.getAsJsonObject();
                Map<String, String> params = new LinkedHashMap<>();
                for (var p : o.getAsJsonObject("params").entrySet()) {
                    params.put(p.getKey(), p.getValue().getAsString());
                }
                out.add(new CatalogueReference(o.get("model").getAsString(), o.get("input").getAsString(),
                        o.get("method").getAsString(), o.get("file").getAsString(), o.get("target").getAsInt(),
                        params));
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read catalogue/manifest.json", e);
        }
    }

    /** The model file: the fixture's, or the one stored with the catalogue references. */
    static Path modelFile(String model, String ext) {
        Path own = root().resolve(model).resolve(model + "." + ext);
        return Files.isRegularFile(own) ? own : Fixtures.model(model, ext);
    }

    NpyArray inputArray() {
        Path own = root().resolve(model).resolve(input).resolve("input.npy");
        return Files.isRegularFile(own) ? Fixtures.npy(own) : Fixtures.input(model, input);
    }

    NpyArray logits() {
        Path own = root().resolve(model).resolve(input).resolve("logits.npy");
        return Files.isRegularFile(own) ? Fixtures.npy(own) : Fixtures.logits(model, input);
    }

    NpyArray map() {
        return Fixtures.npy(root().resolve(file));
    }
}
