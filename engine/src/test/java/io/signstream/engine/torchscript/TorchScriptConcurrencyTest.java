package io.signstream.engine.torchscript;

import static io.signstream.engine.torchscript.TorchScriptFixtures.maxAbsDiff;
import static io.signstream.engine.torchscript.TorchScriptFixtures.oneHot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * DJL's PtGradientCollector is process-global (STACK.md f: 262 of 400 concurrent calls failed without a lock):
 * gradients requested from several threads at once must all succeed and agree with a sequential run.
 */
// libtorch's autograd is this test's reference: it runs capped at AVX (engine/pom.xml, "libtorch-autograd")
@Tag("libtorch-autograd")
class TorchScriptConcurrencyTest {

    @Test
    void concurrentGradientsAreSerialisedNotLost() throws Exception {
        Path pt = TorchScriptFixtures.root().resolve("digits_cnn").resolve("digits_cnn.pt");
        Path input = TorchScriptFixtures.root().resolve("digits_cnn").resolve("x0").resolve("input.npy");
        try (TorchScriptModel model = TorchScriptModel.load(pt); NDManager root = NDManager.newBaseManager("PyTorch")) {
            NDArray x = TorchScriptFixtures.load(root, input);
            float[] expected = model.inputGradient(x, oneHot(root, 10, 3)).toFloatArray();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<Double>> results = new ArrayList<>();
                for (int t = 0; t < 40; t++) {
                    results.add(pool.submit(() -> {
                        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
                            NDArray xi = TorchScriptFixtures.load(m, input);
                            model.forward(xi); // forward needs no lock and runs alongside
                            return maxAbsDiff(expected, model.inputGradient(xi, oneHot(m, 10, 3)).toFloatArray());
                        }
                    }));
                }
                for (Future<Double> f : results) {
                    assertEquals(0.0, f.get(60, TimeUnit.SECONDS), 1e-6);
                }
            } finally {
                pool.shutdown();
                pool.awaitTermination(60, TimeUnit.SECONDS);
            }
            assertFalse(PyTorchAutograd.LOCK.isLocked());
        }
    }
}
