package io.signstream.engine.keras;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.MapAgreement;
import io.signstream.engine.backend.Backend;
import io.signstream.engine.backend.Backends;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Node;
import io.signstream.engine.graph.TensorLayout;
import io.signstream.engine.npy.NpyArray;
import io.signstream.engine.testing.Fixtures;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every canonical reference map of the two Keras real models (fixtures/real/&lt;folder&gt;/canonical/canonical.json:
 * METHODS.md computed in float64 on a rebuild of the model) against the imported graph, on both engines, through
 * {@code MethodRunner}. One test per model and engine reports every method at once with its measured error
 * max|m − r| / max|r|; each reference carries its own tolerance. Maps are in the Keras input layout.
 *
 * <p>Two outcomes do not fail the test, and are printed as such: a method name the engine does not know yet
 * ({@code PENDING}: the LRP names land separately; they run and are checked as soon as {@code MethodNames}
 * accepts them), and Grad-CAM through the Keras input ({@code GAP}: {@code GradCam} resizes the map to axes 2 and 3
 * of the input, i.e. assumes a channels-first input). Grad-CAM of the imported graph is checked strictly on its
 * channels-first view instead: the same graph with the input-side Transpose taken as the input.
 */
class KerasCanonicalMapsTest {

    static {
        KerasTesting.quietJhdf();
    }

    /** A canonical.json reference. */
    record Reference(String folder, String input, String method, int target, String file, double max,
            double absFloor, Map<String, String> params, long[] view) {
    }

    @TestFactory
    Stream<DynamicTest> canonicalMaps() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String folder : List.of(KerasRealModelsTest.TENSORSPACE, KerasRealModelsTest.KOTLINDL)) {
            for (EngineKind engine : EngineKind.values()) {
                tests.add(DynamicTest.dynamicTest(folder + " " + engine, () -> checkAll(folder, engine)));
            }
        }
        return tests.stream();
    }

    private static void checkAll(String folder, EngineKind engine) throws Exception {
        Graph graph = folder.equals(KerasRealModelsTest.TENSORSPACE) ? KerasRealModelsTest.tensorspace()
                : KerasRealModelsTest.kotlindl();
        List<Reference> refs = references(folder);
        List<String> failures = new ArrayList<>();
        Map<Outcome, Integer> counts = new java.util.EnumMap<>(Outcome.class);
        try (Backend backend = Backends.open(engine)) {
            for (Reference ref : refs) {
                Outcome o = check(backend, graph, ref, failures);
                if (o == Outcome.GAP) {
                    o = check(backend, channelsFirstView(graph), channelsFirst(ref), failures);
                    o = o == Outcome.OK ? Outcome.GAP : o;
                }
                counts.merge(o, 1, Integer::sum);
            }
        }
        System.out.printf(Locale.ROOT, "Keras canonical %s %s: %d references: %s%n", folder, engine, refs.size(),
                counts);
        assertEquals(List.of(), failures, folder + " " + engine + ": " + failures.size() + " of " + refs.size()
                + " references disagree");
    }

    enum Outcome {
        /** within the reference's tolerance */
        OK,
        /** outside it, or an error: fails the test */
        FAIL,
        /** the engine does not know the method name yet */
        PENDING,
        /** Grad-CAM through a channels-last input: checked on the channels-first view instead */
        GAP
    }

    /** Runs one reference; prints the measured error and adds a line to {@code failures} on FAIL. */
    static Outcome check(Backend backend, Graph graph, Reference ref, List<String> failures) {
        NpyArray x = Fixtures.npy(Fixtures.file(ref.folder() + "canonical/" + ref.input() + ".input.npy"));
        if (ref.view() != null) {
            x = new NpyArray(x.data(), ref.view());
        }
        NpyArray expected = Fixtures.npy(Fixtures.file(ref.folder() + "canonical/" + ref.file()));
        String label = String.format(Locale.ROOT, "%-28s %-14s", ref.method() + (ref.view() != null ? " (NCHW)" : ""),
                ref.input());
        float[] actual;
        try {
            actual = KerasTesting.map(backend, graph, x, ref.target(), ref.method(), ref.params());
        } catch (ExplainException e) {
            if (e.kind() == ExplainException.Kind.UNKNOWN_METHOD) {
                System.out.println("  PENDING " + label + " the engine does not know this method name yet");
                return Outcome.PENDING;
            }
            return fail(label, e.getClass().getSimpleName() + ": " + e.getMessage(), failures);
        } catch (RuntimeException e) {
            if (gradCamThroughChannelsLast(graph, ref)) {
                System.out.println("  GAP     " + label + " GradCam assumes a channels-first input: " + e);
                return Outcome.GAP;
            }
            return fail(label, e.toString(), failures);
        }
        if (actual.length != expected.data().length) {
            if (gradCamThroughChannelsLast(graph, ref)) {
                System.out.println("  GAP     " + label + " GradCam assumes a channels-first input: " + actual.length
                        + " values, reference " + expected.data().length);
                return Outcome.GAP;
            }
            return fail(label, actual.length + " values, reference " + expected.data().length, failures);
        }
        MapAgreement a = MapAgreement.of(expected.data(), actual);
        boolean ok = MapAgreement.withinTolerance(actual, expected.data(), ref.max(), ref.absFloor());
        String line = String.format(Locale.ROOT, "%s rel.err %.2e (tol %.0e) pearson %.6f", label,
                a.maxAbsDiff() / a.maxAbsReference(), ref.max(), a.pearson());
        if (ok) {
            System.out.println("  ok      " + line);
            return Outcome.OK;
        }
        return fail(line, "", failures);
    }

    private static Outcome fail(String label, String why, List<String> failures) {
        System.out.println("  FAIL    " + label + " " + why);
        failures.add(label.trim() + " " + why);
        return Outcome.FAIL;
    }

    private static boolean gradCamThroughChannelsLast(Graph graph, Reference ref) {
        return ref.method().startsWith("grad_cam") && graph.layout() != TensorLayout.NCHW;
    }

    /**
     * The graph from its input-side Transpose on: input (N, C, H, W), the convolutions and everything after
     * them unchanged. Only for the single-channel LeNets, whose inputs and maps have the same values in both
     * layouts.
     */
    static Graph channelsFirstView(Graph g) {
        List<Node> nodes = g.nodes();
        int first = 0;
        while (!(nodes.get(first).layer() instanceof Layer.Transpose)) {
            first++;
        }
        Node transpose = nodes.get(first);
        return new Graph(g.name() + "_nchw", transpose.name(), new long[] {1, 28, 28}, TensorLayout.NCHW,
                nodes.subList(first + 1, nodes.size()));
    }

    private static Reference channelsFirst(Reference r) {
        return new Reference(r.folder(), r.input(), r.method(), r.target(), r.file(), r.max(), r.absFloor(),
                r.params(), new long[] {1, 1, 28, 28});
    }

    static List<Reference> references(String folder) {
        try (Reader r = Files.newBufferedReader(Fixtures.file(folder + "canonical/canonical.json"))) {
            JsonObject root = JsonParser.parseReader(r).getAsJsonObject();
            List<Reference> out = new ArrayList<>();
            for (JsonElement e : root.getAsJsonArray("references")) {
                JsonObject o = e.getAsJsonObject();
                Map<String, String> params = new LinkedHashMap<>();
                if (o.has("params")) {
                    for (var p : o.getAsJsonObject("params").entrySet()) {
                        params.put(p.getKey(), p.getValue().getAsString());
                    }
                }
                if (o.has("layer")) {
                    params.put("layer_name", o.get("layer").getAsString()); // the Grad-CAM layer, by Keras name
                }
                JsonObject tol = o.getAsJsonObject("tolerance");
                out.add(new Reference(folder, o.get("input").getAsString(), o.get("method").getAsString(),
                        o.get("target").getAsInt(), o.get("file").getAsString(), tol.get("max").getAsDouble(),
                        tol.get("abs_floor").getAsDouble(), params, null));
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read canonical.json of " + folder, e);
        }
    }
}
