package io.signstream.engine.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.engine.backend.DeviceChoice;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.npy.NpyArray;
import io.signstream.engine.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Explain calls run concurrently (no process-wide lock around them): two threads, each with its own explainer as
 * the stream's worker instances have, explaining at the same time, get exactly the maps one thread gets alone.
 * The single-thread maps are checked against the canonical fixture first, so the comparison is against maps
 * known to be right.
 */
class ConcurrentExplainTest {

    private static final List<String> METHODS = List.of("gradient", "lrp_epsilon_0_1", "lrpsign_epsilon_0_1",
            "integrated_gradients", "smoothgrad");
    private static final Map<String, String> PARAMS = Map.of("steps", "8", "augment_by_n", "4");
    private static final int ROUNDS = 6;

    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void twoThreadsGetTheMapsOfOne(EngineKind engine) throws Exception {
        NpyArray x = batchOfFixtureInputs();
        List<float[]> alone = new ArrayList<>();
        try (Explainer ex = Explainer.open(Fixtures.model("digits_cnn", "onnx"), engine, DeviceChoice.CPU)) {
            for (String m : METHODS) {
                alone.add(ex.explain(x, null, m, PARAMS).map().data());
            }
            float[] gradient = ex.explain(oneSample(x, 0), new int[] {3}, "gradient", Map.of()).map().data();
            float[] reference = Fixtures.canonical("digits_cnn", "x0", "gradient").data();
            double max = 0;
            for (float v : reference) {
                max = Math.max(max, Math.abs(v));
            }
            for (int i = 0; i < reference.length; i++) {
                assertEquals(reference[i], gradient[i], 1e-4 * max, "single-thread gradient vs the fixture");
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(2);
        CyclicBarrier together = new CyclicBarrier(2);
        try {
            List<Future<List<float[]>>> runs = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                runs.add(pool.submit(() -> {
                    List<float[]> last = new ArrayList<>();
                    try (Explainer ex = Explainer.open(Fixtures.model("digits_cnn", "onnx"), engine,
                            DeviceChoice.CPU)) {
                        for (int round = 0; round < ROUNDS; round++) {
                            together.await(60, TimeUnit.SECONDS); // both threads start each round at once
                            last.clear();
                            for (String m : METHODS) {
                                last.add(ex.explain(x, null, m, PARAMS).map().data());
                            }
                        }
                    }
                    return last;
                }));
            }
            for (Future<List<float[]>> run : runs) {
                List<float[]> maps = run.get(300, TimeUnit.SECONDS);
                for (int i = 0; i < METHODS.size(); i++) {
                    assertArrayEquals(alone.get(i), maps.get(i), 1e-6f * (1 + maxAbs(alone.get(i))),
                            METHODS.get(i) + " on " + engine);
                }
            }
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS));
        }
    }

    /** The fixture's x0 and its negation and a scaled copy: three different samples. */
    private static NpyArray batchOfFixtureInputs() {
        NpyArray x0 = Fixtures.input("digits_cnn", "x0");
        int n = x0.data().length;
        float[] data = new float[3 * n];
        for (int i = 0; i < n; i++) {
            data[i] = x0.data()[i];
            data[n + i] = -x0.data()[i];
            data[2 * n + i] = 0.5f * x0.data()[i];
        }
        long[] shape = x0.shape().clone();
        shape[0] = 3;
        return new NpyArray(data, shape);
    }

    private static NpyArray oneSample(NpyArray x, int i) {
        int per = x.data().length / (int) x.shape()[0];
        float[] data = java.util.Arrays.copyOfRange(x.data(), i * per, (i + 1) * per);
        long[] shape = x.shape().clone();
        shape[0] = 1;
        return new NpyArray(data, shape);
    }

    private static float maxAbs(float[] a) {
        float m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
