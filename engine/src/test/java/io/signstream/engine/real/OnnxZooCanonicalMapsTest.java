package io.signstream.engine.real;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.signstream.engine.api.Explainer;
import io.signstream.engine.api.MapAgreement;
import io.signstream.engine.api.RelevanceMap;
import io.signstream.engine.backend.DeviceChoice;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.npy.NpyArray;
import io.signstream.engine.testing.Fixtures;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The canonical maps of the ONNX model zoo's mnist-8 (fixtures/real/wonnx_opt_mnist/canonical, METHODS.md in
 * float64 on a rebuild of the model) against the imported ONNX file on both engines, each within its tolerance.
 */
class OnnxZooCanonicalMapsTest {

    static final String DIR = "real/wonnx_opt_mnist/";

    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void everyCanonicalMapAgrees(EngineKind engine) throws Exception {
        List<String> failures = new ArrayList<>();
        int checked = 0;
        try (Reader r = Files.newBufferedReader(Fixtures.file(DIR + "canonical/canonical.json"));
                Explainer ex = Explainer.open(Fixtures.file(DIR + "opt-mnist.onnx"), engine, DeviceChoice.CPU)) {
            JsonObject root = JsonParser.parseReader(r).getAsJsonObject();
            for (JsonElement e : root.getAsJsonArray("references")) {
                JsonObject ref = e.getAsJsonObject();
                String method = ref.get("method").getAsString();
                NpyArray x = Fixtures.npy(Fixtures.file(DIR + "canonical/" + ref.get("input").getAsString()
                        + ".input.npy"));
                NpyArray expected = Fixtures.npy(Fixtures.file(DIR + "canonical/" + ref.get("file").getAsString()));
                // The reference names the Grad-CAM layer by its output tensor (ReLU114_Output_0); the graph names
                // nodes, and its default layer is that ReLU node.
                RelevanceMap out = ex.explain(x, new int[] {ref.get("target").getAsInt()}, method, Map.of());
                JsonObject tol = ref.getAsJsonObject("tolerance");
                if (!MapAgreement.withinTolerance(out.map().data(), expected.data(), tol.get("max").getAsDouble(),
                        tol.get("abs_floor").getAsDouble())) {
                    failures.add(String.format(Locale.ROOT, "%s %s: %s", method, ref.get("input").getAsString(),
                            MapAgreement.of(expected.data(), out.map().data())));
                }
                checked++;
            }
        }
        System.out.printf("mnist-8 canonical on %s: %d references, %d disagree%n", engine, checked, failures.size());
        assertEquals(List.of(), failures);
    }
}
