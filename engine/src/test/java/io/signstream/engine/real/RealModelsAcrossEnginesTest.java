package io.signstream.engine.real;

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
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The real models made by others (fixtures/real), opened through the library entry point the way a user opens
 * them: each predicts its documented class where one is documented, and its gradient and LRP-ε maps agree across
 * the two engines. (The SavedModel LeNet has the same checks in {@code SavedModelLenetTest}, on its padded input.)
 */
class RealModelsAcrossEnginesTest {

    static final List<String> METHODS = List.of("gradient", "lrp_epsilon_0_1");

    /**
     * @param expectedClass the documented prediction, or -1 when the source documents none (random weights)
     */
    record Case(String name, String model, long[] inputShape, String input, int expectedClass) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> cases() {
        String digit = "real/tensorspace_lenet_keras_h5/canonical/digit5.input.npy";
        return Stream.of(
                new Case("onnx mnist-8 (wonnx)", "real/wonnx_opt_mnist/opt-mnist.onnx", new long[] {1, 1, 28, 28},
                        digit, 5),
                new Case("keras h5 lenet (tensorspace)", "real/tensorspace_lenet_keras_h5/keras_mnist_lenet.h5",
                        new long[] {1, 28, 28}, digit, 5),
                new Case("keras weights + config lenet (kotlindl)",
                        "real/kotlindl_lenet_h5_weights/mnist_weights_only.h5", new long[] {1, 28, 28, 1}, digit, 8),
                new Case("torchscript mlp (torchsharp)", "real/torchsharp_torchscript_mlp/l1000_100_10.script.dat",
                        new long[] {1, 1000}, null, -1),
                new Case("keras h5 mlp (dl4j)", "real/dl4j_keras_simple_mlp_h5/simple_mlp.h5", null, null, -1))
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void predictsAndAgreesAcrossEngines(Case c) throws Exception {
        Path model = Fixtures.root().resolve(c.model());
        NpyArray input = input(c, model);
        RelevanceMap[] first = new RelevanceMap[METHODS.size()];
        for (EngineKind engine : EngineKind.values()) {
            try (Explainer ex = Explainer.open(model, engine, DeviceChoice.CPU)) {
                NpyArray logits = ex.logits(input);
                int argmax = 0;
                for (int i = 1; i < logits.data().length; i++) {
                    argmax = logits.data()[i] > logits.data()[argmax] ? i : argmax;
                }
                if (c.expectedClass() >= 0) {
                    assertEquals(c.expectedClass(), argmax, c.name() + " on " + engine);
                }
                for (int m = 0; m < METHODS.size(); m++) {
                    RelevanceMap r = ex.explain(input, new int[] {argmax}, METHODS.get(m), Map.of());
                    if (first[m] == null) {
                        first[m] = r;
                        continue;
                    }
                    MapAgreement a = MapAgreement.of(first[m].map().data(), r.map().data());
                    assertTrue(a.maxAbsReference() > 0, c.name() + " " + METHODS.get(m) + " is all zero");
                    assertTrue(a.pearson() >= 0.99999 && a.maxAbsDiff() <= 1e-4 * a.maxAbsReference() + 1e-7,
                            c.name() + " " + METHODS.get(m) + " pytorch vs tensorflow: " + a);
                }
            }
        }
    }

    /** The documented digit in the model's own layout, or a seeded standard-normal sample. */
    private static NpyArray input(Case c, Path model) throws Exception {
        long[] shape = c.inputShape();
        if (shape == null) {
            try (Explainer ex = Explainer.open(model, EngineKind.PYTORCH, DeviceChoice.CPU)) {
                long[] sample = ex.graph(null).sampleShape();
                shape = new long[sample.length + 1];
                shape[0] = 1;
                System.arraycopy(sample, 0, shape, 1, sample.length);
            }
        }
        if (c.input() != null) {
            return new NpyArray(Fixtures.npy(Fixtures.file(c.input())).data(), shape);
        }
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        Random random = new Random(7);
        float[] data = new float[(int) n];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) random.nextGaussian();
        }
        return new NpyArray(data, shape);
    }
}
