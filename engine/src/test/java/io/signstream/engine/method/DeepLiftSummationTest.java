package io.signstream.engine.method;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.engine.api.Explainer;
import io.signstream.engine.backend.DeviceChoice;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.npy.NpyArray;
import io.signstream.engine.testing.Fixtures;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * DeepLIFT's summation-to-delta on a network whose only non-linearities are element-wise: with the Rescale rule at
 * every ReLU6 (a clip) and the gradient through the linear rest (convolutions, BatchNorm, a residual add, average
 * pooling, dense), the map sums to f_c(x) − f_c(0). Checked on relu6_res, a TF.js-made model whose inputs saturate
 * the clips (src/test/js/keras_layers_models.js), on both engines: a property Captum cannot serve as the reference
 * for, since it leaves nn.ReLU6 to the plain gradient. The plain gradient would miss the sum by far (checked too).
 */
class DeepLiftSummationTest {

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"0, PYTORCH", "0, TENSORFLOW", "1, PYTORCH", "1, TENSORFLOW", "2, PYTORCH", "2, TENSORFLOW"})
    void mapSumsToTheLogitDifference(int input, EngineKind engine) throws Exception {
        Path dir = Fixtures.root().resolveSibling("keras_layers").resolve("relu6_res");
        NpyArray x = Fixtures.npy(dir.resolve("input_" + input + ".npy"));
        try (Explainer explainer = Explainer.open(dir.resolve("model/model.json"), engine, DeviceChoice.CPU)) {
            float[] logits = explainer.logits(x).data();
            int target = 0;
            for (int i = 1; i < logits.length; i++) {
                target = logits[i] > logits[target] ? i : target;
            }
            float[] atZero = explainer.logits(new NpyArray(new float[x.data().length], x.shape())).data();
            double delta = (double) logits[target] - atZero[target];
            double sum = sum(explainer.explain(x, new int[] {target}, "deeplift", Map.of()).map().data());
            double gradientSum = sum(explainer.explain(x, new int[] {target}, "gradient_x_input", Map.of()).map()
                    .data());
            System.out.printf(Locale.ROOT, "deeplift relu6_res x%d %s: sum %.6f, f_c(x) - f_c(0) %.6f, "
                    + "gradient x input sums to %.6f%n", input, engine, sum, delta, gradientSum);
            assertTrue(Math.abs(sum - delta) <= 1e-4 * Math.abs(delta), "sum " + sum + " vs " + delta);
            assertTrue(Math.abs(gradientSum - delta) > 1e-2 * Math.abs(delta), "the clips must matter");
        }
    }

    private static double sum(float[] values) {
        double s = 0;
        for (float v : values) {
            s += v;
        }
        return s;
    }
}
