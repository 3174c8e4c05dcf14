package io.signstream.engine.canonical;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.engine.api.Explainer;
import io.signstream.engine.api.MapAgreement;
import io.signstream.engine.api.RelevanceMap;
import io.signstream.engine.backend.DeviceChoice;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.npy.NpyArray;
import io.signstream.engine.testing.Fixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every canonical reference map of the fixtures (METHODS.md computed independently in float64) against our maps:
 * ONNX models on both engines, TorchScript models on PyTorch. The forward logits are checked first. Each
 * reference carries its own tolerance; SmoothGrad/VarGrad are compared by Pearson r.
 */
class CanonicalMapsTest {

    static final List<String> MODELS = List.of("mlp", "digits_cnn", "small_vgg", "ts_cnn");

    record Route(String label, String ext, EngineKind engine) {
    }

    static final List<Route> ROUTES = List.of(
            new Route("onnx-pytorch", "onnx", EngineKind.PYTORCH),
            new Route("onnx-tensorflow", "onnx", EngineKind.TENSORFLOW),
            new Route("torchscript-pytorch", "pt", EngineKind.PYTORCH));

    @TestFactory
    Stream<DynamicNode> canonicalMaps() {
        Map<String, List<CanonicalReference>> byModel = CanonicalReference.all().stream()
                .collect(Collectors.groupingBy(CanonicalReference::model));
        List<DynamicNode> nodes = new ArrayList<>();
        for (String model : MODELS) {
            List<CanonicalReference> refs = byModel.getOrDefault(model, List.of());
            for (Route route : ROUTES) {
                nodes.add(DynamicContainer.dynamicContainer(model + " " + route.label(),
                        Stream.of(DynamicTest.dynamicTest("all " + refs.size() + " references",
                                () -> checkAll(model, route, refs)))));
            }
        }
        return nodes.stream();
    }

    /** One test per model and route, reporting every failing method at once. */
    private static void checkAll(String model, Route route, List<CanonicalReference> refs) throws Exception {
        Path file = Fixtures.model(model, route.ext());
        List<String> failures = new ArrayList<>();
        int passed = 0;
        try (Explainer explainer = Explainer.open(file, route.engine(), DeviceChoice.CPU)) {
            for (String x : refs.stream().map(CanonicalReference::input).distinct().sorted().toList()) {
                NpyArray input = Fixtures.input(model, x);
                NpyArray logits = explainer.logits(input);
                NpyArray expected = Fixtures.logits(model, x);
                double worst = 0;
                for (int i = 0; i < expected.data().length; i++) {
                    worst = Math.max(worst, Math.abs(expected.data()[i] - logits.data()[i]));
                }
                assertTrue(worst <= 1e-4, model + " " + x + " logits differ by " + worst);
            }
            for (CanonicalReference ref : refs) {
                String problem = check(explainer, ref);
                if (problem == null) {
                    passed++;
                } else {
                    failures.add(problem);
                }
            }
        }
        System.out.printf(Locale.ROOT, "canonical %s %s: %d/%d agree%n", model, route.label(), passed, refs.size());
        assertEquals(List.of(), failures, model + " " + route.label() + ": " + failures.size() + " of " + refs.size()
                + " references disagree");
    }

    static String check(Explainer explainer, CanonicalReference ref) {
        NpyArray reference = Fixtures.npy(Fixtures.root().resolve(ref.file()));
        RelevanceMap out;
        try {
            out = explainer.explain(Fixtures.input(ref.model(), ref.input()), new int[] {ref.target()}, ref.method(),
                    ref.callParams());
        } catch (Exception e) {
            return ref.method() + " " + ref.input() + ": " + e.getMessage();
        }
        float[] actual = out.map().data();
        if (actual.length != reference.data().length) {
            return ref.method() + " " + ref.input() + ": shape " + java.util.Arrays.toString(out.map().shape())
                    + " vs reference " + java.util.Arrays.toString(reference.shape());
        }
        if (ref.exact()) {
            if (!MapAgreement.withinTolerance(actual, reference.data(), ref.max(), ref.absFloor())) {
                MapAgreement a = MapAgreement.of(reference.data(), actual);
                return String.format(Locale.ROOT, "%s %s: max|diff| %.3e > %.1e·%.3e + %.1e", ref.method(),
                        ref.input(), a.maxAbsDiff(), ref.max(), a.maxAbsReference(), ref.absFloor());
            }
            return null;
        }
        double r = MapAgreement.of(reference.data(), actual).pearson();
        return r >= ref.minR() ? null
                : String.format(Locale.ROOT, "%s %s: pearson %.4f < %.2f", ref.method(), ref.input(), r, ref.minR());
    }
}
