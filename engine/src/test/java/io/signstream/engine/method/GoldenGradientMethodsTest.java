package io.signstream.engine.method;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.signstream.engine.backend.Backend;
import io.signstream.engine.backend.Backends;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.exec.BoundGraph;
import io.signstream.engine.testing.TinyModels;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The golden vectors of METHODS.md §7 for the gradient family (values printed there with 2–6 decimals). */
class GoldenGradientMethodsTest {

    static Backend backend;
    static NDManager manager;

    @BeforeAll
    static void open() {
        backend = Backends.open(EngineKind.PYTORCH);
        manager = backend.newManager();
    }

    @AfterAll
    static void close() {
        manager.close();
        backend.close();
    }

    static float[] mlp(String method, Map<String, String> params) throws Exception {
        try (BoundGraph model = new BoundGraph(TinyModels.mlp(), backend)) {
            NDArray x = manager.create(TinyModels.MLP_X, new Shape(1, 4));
            return MethodRunner.run(model, x, new int[] {0}, MethodNames.parse(method, MethodParams.of(params)))
                    .toFloatArray();
        }
    }

    static float[] cnn(String method) throws Exception {
        try (BoundGraph model = new BoundGraph(TinyModels.cnn(), backend)) {
            NDArray x = manager.create(TinyModels.CNN_X, new Shape(1, 1, 4, 4));
            return MethodRunner.run(model, x, new int[] {0}, MethodNames.parse(method, MethodParams.empty()))
                    .toFloatArray();
        }
    }

    static void near(float[] expected, float[] actual, double tol) {
        assertEquals(expected.length, actual.length, "length");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tol, "element " + i);
        }
    }

    @Test
    void mlpGradientFamily() throws Exception {
        near(new float[] {-0.13f, -1.28f, 0.6f, 0.66f}, mlp("gradient", Map.of()), 1e-6);
        near(new float[] {-0.13f, 0.64f, 0f, 1.32f}, mlp("gradient_x_input", Map.of()), 1e-6);
        near(new float[] {-0.13f, 0.64f, 0f, 1.32f}, mlp("input_t_gradient", Map.of()), 1e-6);
        near(new float[] {-0.13f, 1.28f, 0.6f, 0.66f}, mlp("gradient_x_sign", Map.of()), 1e-6);
        near(new float[] {-0.13f, 1.28f, 0.6f, 0.66f}, mlp("gradient_x_sign_mu_0", Map.of()), 1e-6);
        near(new float[] {-0.13f, 1.28f, -0.6f, 0.66f}, mlp("gradient_x_sign_mu_0_5", Map.of()), 1e-6);
        near(new float[] {-0.13f, -1.28f, 0.6f, 0.66f}, mlp("gradient_x_sign_mu_neg_0_5", Map.of()), 1e-6);
        near(new float[] {-0.13f, 1.28f, -0.6f, 0.66f}, mlp("gradient_x_sign_mu", Map.of("mu", "0.5")), 1e-6);
        near(new float[] {-0.13f, -0.64f, 0f, 1.32f}, mlp("gradient_x_input_x_sign", Map.of()), 1e-6);
        near(new float[] {0.7075f, -1.415f, 0.35375f, 1.132f}, mlp("guided_backprop", Map.of()), 1e-6);
        near(new float[] {0.49525f, -0.9905f, 1.20275f, 0.63675f}, mlp("deconvnet", Map.of()), 1e-6);
    }

    @Test
    void mlpIntegratedGradientsUsesBothEndPoints() throws Exception {
        near(new float[] {-0.134f, 0.482f, 0f, 0.916f}, mlp("integrated_gradients", Map.of("steps", "5")), 5e-4);
        near(new float[] {-0.134f, 0.482f, 0f, 0.916f}, mlp("integrated_gradients_steps_5", Map.of()), 5e-4);
        near(new float[] {-0.2162f, 0.5076f, 0f, 0.9048f}, mlp("integrated_gradients", Map.of()), 5e-5);
    }

    @Test
    void cnnGradientAndGradCam() throws Exception {
        near(new float[] {-0.02f, -0.07f, -0.32f, 0.3f, 0.32f, -0.01f, 0.01f, -0.08f, -0.14f, 0.18f, 0.14f, 0.04f,
            0.17f, -0.08f, 0.01f, -0.03f}, cnn("gradient"), 1e-6);
        near(new float[] {0.827586f, 0.15665f, 0.400493f, 0.37931f, 0.284729f, 1f, 0.444828f, 0.134483f, 0.407882f,
            0.112315f, 0.310345f, 0.250246f, 0.109852f, 0.215764f, 0.655172f, 0.085222f}, cnn("grad_cam"), 2e-6);
    }
}
