package io.signstream.engine.canonical;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.signstream.engine.testing.Fixtures;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@code canonical} entry of the fixtures' manifest.json: the map a method must reproduce, with the
 * reference's own tolerance.
 *
 * @param exact true: max|out − ref| ≤ max·max|ref| + absFloor; false (SmoothGrad/VarGrad): Pearson r ≥ minR
 */
record CanonicalReference(String model, String input, String method, String file, int target,
        Map<String, String> params, boolean exact, double max, double absFloor, double minR) {

    static List<CanonicalReference> all() {
        try (Reader r = Files.newBufferedReader(Fixtures.root().resolve("manifest.json"))) {
            JsonObject manifest = JsonParser.parseReader(r).getAsJsonObject();
            JsonArray refs = manifest.getAsJsonArray("references");
            List<CanonicalReference> out = new ArrayList<>();
            for (JsonElement e : refs) {
                JsonObject o = e.getAsJsonObject();
                if (!"canonical".equals(o.get("role").getAsString())) {
                    continue;
                }
                Map<String, String> params = new LinkedHashMap<>();
                if (o.has("params")) {
                    for (var p : o.getAsJsonObject("params").entrySet()) {
                        if (p.getValue().isJsonPrimitive()) {
                            params.put(p.getKey(), p.getValue().getAsString());
                        }
                    }
                }
                JsonObject tol = o.getAsJsonObject("tolerance");
                boolean exact = o.get("exact").getAsBoolean();
                out.add(new CanonicalReference(o.get("model").getAsString(), o.get("input").getAsString(),
                        o.get("method").getAsString(), o.get("file").getAsString(), o.get("target").getAsInt(), params,
                        exact, exact ? tol.get("max").getAsDouble() : 0, exact ? tol.get("abs_floor").getAsDouble() : 0,
                        exact ? 0 : tol.get("min").getAsDouble()));
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read manifest.json", e);
        }
    }

    /** The parameters to pass: the reference's own, plus the noise seed our sampler uses. */
    Map<String, String> callParams() {
        Map<String, String> p = new LinkedHashMap<>(params);
        p.remove("noise_seed");
        return p;
    }
}
