package io.signstream.engine.canonical;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.engine.api.Explainer;
import io.signstream.engine.api.MapAgreement;
import io.signstream.engine.api.RelevanceMap;
import io.signstream.engine.backend.DeviceChoice;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.npy.NpyArray;
import io.signstream.engine.testing.Fixtures;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A batch of four digits with per-sample targets gives, row by row, the canonical single-sample maps. */
class BatchedMapsTest {

    static final List<String> METHODS = List.of("gradient", "gradient_x_sign_mu_neg_0_5", "guided_backprop",
            "integrated_gradients", "grad_cam", "lrp_epsilon_0_1", "lrpsign_epsilon_0_25_std_x",
            "lrp_sequential_composite_a", "lrp_alpha_1_beta_0");
    static final String[] INPUTS = {"x0", "x1", "x2", "x3"};
    static final int[] TARGETS = {3, 4, 7, 8};

    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void perSampleTargetsInOneBatch(EngineKind engine) throws Exception {
        NpyArray[] singles = new NpyArray[INPUTS.length];
        for (int i = 0; i < INPUTS.length; i++) {
            singles[i] = Fixtures.input("digits_cnn", INPUTS[i]);
        }
        int per = singles[0].data().length;
        float[] data = new float[per * INPUTS.length];
        for (int i = 0; i < INPUTS.length; i++) {
            System.arraycopy(singles[i].data(), 0, data, i * per, per);
        }
        NpyArray batch = new NpyArray(data, new long[] {4, 1, 16, 16});
        try (Explainer ex = Explainer.open(Fixtures.model("digits_cnn", "onnx"), engine, DeviceChoice.CPU)) {
            for (String method : METHODS) {
                RelevanceMap r = ex.explain(batch, TARGETS, method, Map.of());
                assertArrayEquals(TARGETS, r.targets());
                int rowSize = r.map().data().length / 4;
                for (int i = 0; i < INPUTS.length; i++) {
                    float[] row = Arrays.copyOfRange(r.map().data(), i * rowSize, (i + 1) * rowSize);
                    float[] ref = Fixtures.canonical("digits_cnn", INPUTS[i], method).data();
                    assertTrue(MapAgreement.withinTolerance(row, ref, 1e-4, 1e-7),
                            method + " row " + i + " on " + engine + ": " + MapAgreement.of(ref, row));
                }
            }
        }
    }
}
