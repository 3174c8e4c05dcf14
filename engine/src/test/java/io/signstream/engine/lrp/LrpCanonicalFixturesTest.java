package io.signstream.engine.lrp;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.signstream.engine.backend.Backend;
import io.signstream.engine.backend.Backends;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.exec.BoundGraph;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.method.Family;
import io.signstream.engine.method.MethodNames;
import io.signstream.engine.method.MethodParams;
import io.signstream.engine.npy.NpyArray;
import io.signstream.engine.npy.NpyFile;
import io.signstream.engine.onnx.OnnxImporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every LRP name's canonical reference on the fixture models (ONNX), with each reference's own tolerance from
 * fixtures/manifest.json, on both engines.
 */
class LrpCanonicalFixturesTest {

    private static final Pattern FIELD = Pattern.compile("\"(model|input|method|file|target|role)\": \"?([^\",]+)\"?,");
    private static final Pattern TOLERANCE = Pattern.compile(
            "\"tolerance\": \\{[^}]*\"max\": ([0-9.eE+-]+),[^}]*\"abs_floor\": ([0-9.eE+-]+)");

    record Reference(String model, String input, String method, String file, int target, double max, double floor) {
    }

    static Path fixtures() {
        return Path.of(System.getProperty("signstream.fixtures", "src/test/resources/fixtures"));
    }

    /** The canonical entries of LRP methods, read from the manifest's reference list. */
    static List<Reference> lrpReferences() throws Exception {
        String text = Files.readString(fixtures().resolve("manifest.json"));
        List<Reference> out = new ArrayList<>();
        // each reference is an object at indentation 2 of the "references" list
        for (String chunk : text.split("\n  \\{\n")) {
            if (!chunk.contains("\"role\": \"canonical\"")) {
                continue;
            }
            Map<String, String> f = new LinkedHashMap<>();
            Matcher m = FIELD.matcher(chunk);
            while (m.find()) {
                f.putIfAbsent(m.group(1), m.group(2));
            }
            Matcher t = TOLERANCE.matcher(chunk);
            if (!"canonical".equals(f.get("role")) || f.get("method") == null || !t.find()) {
                continue;
            }
            String method = f.get("method");
            if (MethodNames.parse(method, MethodParams.empty()).family() != Family.LRP) {
                continue;
            }
            out.add(new Reference(f.get("model"), f.get("input"), method, f.get("file"),
                    Integer.parseInt(f.get("target")), Double.parseDouble(t.group(1)), Double.parseDouble(t.group(2))));
        }
        return out;
    }

    @TestFactory
    Stream<DynamicNode> pytorch() throws Exception {
        return engine(EngineKind.PYTORCH);
    }

    @TestFactory
    Stream<DynamicNode> tensorflow() throws Exception {
        return engine(EngineKind.TENSORFLOW);
    }

    private Stream<DynamicNode> engine(EngineKind kind) throws Exception {
        assumeTrue(Files.isRegularFile(fixtures().resolve("manifest.json")), "fixtures not present");
        List<Reference> refs = lrpReferences();
        Map<String, List<Reference>> byModel = new LinkedHashMap<>();
        for (Reference r : refs) {
            byModel.computeIfAbsent(r.model(), k -> new ArrayList<>()).add(r);
        }
        List<DynamicNode> models = new ArrayList<>();
        for (Map.Entry<String, List<Reference>> e : byModel.entrySet()) {
            String model = e.getKey();
            List<DynamicTest> tests = new ArrayList<>();
            for (Reference r : e.getValue()) {
                tests.add(DynamicTest.dynamicTest(r.input() + " " + r.method(), () -> check(kind, r)));
            }
            models.add(DynamicContainer.dynamicContainer(model, tests));
        }
        return models.stream();
    }

    private static final Map<String, BoundGraph> MODELS = new LinkedHashMap<>();
    private static final Map<EngineKind, Backend> BACKENDS = new LinkedHashMap<>();

    private static synchronized BoundGraph model(EngineKind kind, String name) throws Exception {
        Backend backend = BACKENDS.computeIfAbsent(kind, Backends::open);
        String key = kind + "/" + name;
        BoundGraph g = MODELS.get(key);
        if (g == null) {
            Graph graph = OnnxImporter.read(fixtures().resolve(name).resolve(name + ".onnx"));
            g = new BoundGraph(graph, backend);
            MODELS.put(key, g);
        }
        return g;
    }

    private static void check(EngineKind kind, Reference r) throws Exception {
        BoundGraph model = model(kind, r.model());
        NpyArray x = NpyFile.read(fixtures().resolve(r.model()).resolve(r.input()).resolve("input.npy"));
        NpyArray ref = NpyFile.read(fixtures().resolve(r.file()));
        float[] map = LrpReferenceHarness.explain(model, x.data(), x.shape(), r.target(), r.method(),
                MethodParams.empty());
        LrpReferenceHarness.assertCanonical(map, ref.data(), r.max(), r.floor(),
                kind + " " + r.model() + "/" + r.input() + " " + r.method());
    }
}
