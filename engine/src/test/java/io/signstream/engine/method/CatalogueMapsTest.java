package io.signstream.engine.method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.Explainer;
import io.signstream.engine.api.MapAgreement;
import io.signstream.engine.api.RelevanceMap;
import io.signstream.engine.backend.DeviceChoice;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.npy.NpyArray;
import io.signstream.engine.testing.Fixtures;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The deeplift*, guided_grad_cam* and random_uniform maps against the float64 references of catalogue_references.py (Captum's
 * DeepLift; guided Grad-CAM written with torch autograd), on the fixture models and act_cnn (Tanh, LeakyReLU,
 * Sigmoid, BatchNorm), in ONNX and TorchScript, on both engines. Tolerance: max|out − ref| ≤ 1e-4·max|ref| + 1e-7,
 * the fixtures' tolerance for single-pass methods; random_uniform (numpy's own draws) must match exactly. The forward
 * logits are checked first (≤ 1e-4).
 */
class CatalogueMapsTest {

    static final double REL = 1e-4;
    static final double ABS_FLOOR = 1e-7;

    record Route(String label, String ext, EngineKind engine) {
    }

    static final List<Route> ROUTES = List.of(
            new Route("onnx-pytorch", "onnx", EngineKind.PYTORCH),
            new Route("onnx-tensorflow", "onnx", EngineKind.TENSORFLOW),
            new Route("torchscript-pytorch", "pt", EngineKind.PYTORCH),
            new Route("torchscript-tensorflow", "pt", EngineKind.TENSORFLOW));

    @TestFactory
    Stream<DynamicNode> catalogueMaps() {
        Map<String, List<CatalogueReference>> byModel = CatalogueReference.all().stream()
                .collect(Collectors.groupingBy(CatalogueReference::model));
        List<DynamicNode> tests = new ArrayList<>();
        for (String model : byModel.keySet().stream().sorted().toList()) {
            for (Route route : ROUTES) {
                List<CatalogueReference> refs = byModel.get(model);
                tests.add(DynamicTest.dynamicTest(model + " " + route.label() + ": " + refs.size() + " references",
                        () -> checkAll(model, route, refs)));
            }
        }
        return tests.stream();
    }

    /** The published model's layer name is the default; on another model the error names the layers to pick. */
    @Test
    void guidedGradCamNamesTheMissingLayer() throws Exception {
        try (Explainer explainer = Explainer.open(CatalogueReference.modelFile("digits_cnn", "onnx"),
                EngineKind.PYTORCH, DeviceChoice.CPU)) {
            NpyArray x = Fixtures.input("digits_cnn", "x0");
            ExplainException e = assertThrows(ExplainException.class,
                    () -> explainer.explain(x, new int[] {3}, "guided_grad_cam_MNISTCNN", Map.of()));
            assertTrue(e.getMessage().contains("'conv2d_1' not found") && e.getMessage().contains("features.4"),
                    e.getMessage());
        }
    }

    private static void checkAll(String model, Route route, List<CatalogueReference> refs) throws Exception {
        List<String> failures = new ArrayList<>();
        double worstRelative = 0;
        try (Explainer explainer = Explainer.open(CatalogueReference.modelFile(model, route.ext()), route.engine(),
                DeviceChoice.CPU)) {
            for (CatalogueReference ref : refs) {
                if (ref.method().equals("deeplift")) { // once per input
                    float[] logits = explainer.logits(ref.inputArray()).data();
                    float[] expected = ref.logits().data();
                    for (int i = 0; i < expected.length; i++) {
                        assertTrue(Math.abs(logits[i] - expected[i]) <= 1e-4,
                                model + " " + ref.input() + " logit " + i + ": " + logits[i] + " vs " + expected[i]);
                    }
                }
                NpyArray reference = ref.map();
                RelevanceMap out = explainer.explain(ref.inputArray(), new int[] {ref.target()}, ref.method(),
                        ref.params());
                float[] actual = out.map().data();
                assertEquals(Arrays.toString(reference.shape()), Arrays.toString(out.map().shape()), ref.method());
                MapAgreement a = MapAgreement.of(reference.data(), actual);
                worstRelative = Math.max(worstRelative, a.maxAbsDiff() / Math.max(a.maxAbsReference(), 1e-30));
                boolean exact = ref.method().equals("random_uniform"); // numpy's draws, bit for bit
                if (exact ? a.maxAbsDiff() != 0
                        : !MapAgreement.withinTolerance(actual, reference.data(), REL, ABS_FLOOR)) {
                    failures.add(String.format(Locale.ROOT, "%s %s: max|diff| %.3e, max|ref| %.3e", ref.method(),
                            ref.input(), a.maxAbsDiff(), a.maxAbsReference()));
                }
            }
        }
        System.out.printf(Locale.ROOT, "catalogue %s %s: %d/%d within tolerance, worst max|diff|/max|ref| %.2e%n",
                model, route.label(), refs.size() - failures.size(), refs.size(), worstRelative);
        assertEquals(List.of(), failures, model + " " + route.label());
    }
}
