package io.signstream.engine.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.Explainer;
import io.signstream.engine.backend.DeviceChoice;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.npy.NpyArray;
import io.signstream.engine.testing.Fixtures;
import java.io.Reader;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * random_uniform reproduces numpy's MT19937 stream bit for bit: the doubles of {@code np.random.uniform(-1, 1)}
 * after {@code np.random.seed(s)} (written by numpy, catalogue/numpy_uniform_stream.json) are compared exactly, and
 * the channels-last map of a TF.js model equals numpy's on both engines (the channels-first maps are checked by
 * {@link CatalogueMapsTest}).
 */
class RandomUniformTest {

    @Test
    void doublesEqualNumpysBitForBit() throws Exception {
        try (Reader r = Files.newBufferedReader(CatalogueReference.root().resolve("numpy_uniform_stream.json"))) {
            JsonObject draws = JsonParser.parseReader(r).getAsJsonObject().getAsJsonObject("draws");
            assertEquals(4, draws.size());
            for (var entry : draws.entrySet()) {
                NumpyRandomState random = new NumpyRandomState(Long.parseLong(entry.getKey()));
                int i = 0;
                for (JsonElement v : entry.getValue().getAsJsonArray()) {
                    double expected = Double.parseDouble(v.getAsString());
                    double actual = random.uniform(-1, 1);
                    assertEquals(Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(actual),
                            "seed " + entry.getKey() + " draw " + i + ": " + actual + " vs numpy " + expected);
                    i++;
                }
                assertEquals(1000, i);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void channelsLastMapIsNumpysForEverySample(EngineKind engine) throws Exception {
        NpyArray expected = Fixtures.npy(CatalogueReference.root().resolve("random_uniform_tf_cnn.npy"));
        NpyArray one = Fixtures.npy(Fixtures.root().resolve("tf/cnn/input_0.npy"));
        float[] two = new float[one.data().length * 2];
        System.arraycopy(one.data(), 0, two, 0, one.data().length);
        try (Explainer explainer = Explainer.open(Fixtures.file("tf/cnn/model/model.json"), engine,
                DeviceChoice.CPU)) {
            float[] map = explainer.explain(new NpyArray(two, new long[] {2, 16, 16, 1}), null, "random_uniform",
                    Map.of()).map().data();
            float[] first = java.util.Arrays.copyOfRange(map, 0, expected.data().length);
            float[] second = java.util.Arrays.copyOfRange(map, expected.data().length, map.length);
            assertArrayEquals(expected.data(), first, 0f);
            assertArrayEquals(expected.data(), second, 0f, "legacy SignXAI reseeds per sample");
        }
    }

    @Test
    void seedOutsideNumpysRangeIsABadParameter() throws Exception {
        try (Explainer explainer = Explainer.open(Fixtures.model("mlp", "onnx"), EngineKind.PYTORCH,
                DeviceChoice.CPU)) {
            ExplainException e = assertThrows(ExplainException.class, () -> explainer.explain(
                    Fixtures.input("mlp", "x0"), null, "random_uniform", Map.of("seed", "-3")));
            assertEquals(ExplainException.Kind.BAD_PARAMETER, e.kind());
        }
    }
}
