package io.signstream.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.signstream.engine.testing.Fixtures;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The output contract of {@code signstream bench} (not its speed): one JSON line per method with exactly the
 * documented keys and figures that agree with each other, a table on stderr, one-line errors.
 */
class BenchCommandTest {

    private static final Set<String> KEYS = new TreeSet<>(List.of("model", "engine", "method", "batch", "threads",
            "forward_ms", "map_ms", "ratio", "maps_per_s"));

    private static String model() {
        return Fixtures.model("digits_cnn", "onnx").toString();
    }

    @ParameterizedTest
    @ValueSource(strings = {"pytorch", "tensorflow"})
    void printsOneJsonLinePerMethodWithTheDocumentedKeys(String engine) {
        EngineCliTest.Result r = EngineCliTest.run("bench", "--model", model(), "--input-shape", "1,16,16",
                "--batch", "4", "--method", "gradient,lrp_epsilon_0_1", "--engine", engine, "--seconds", "0.2");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(2, lines.length, r.out());
        String[] methods = {"gradient", "lrp_epsilon_0_1"};
        for (int i = 0; i < lines.length; i++) {
            JsonObject o = JsonParser.parseString(lines[i]).getAsJsonObject();
            assertEquals(KEYS, new TreeSet<>(o.keySet()), lines[i]);
            assertEquals("digits_cnn.onnx", o.get("model").getAsString());
            assertEquals(engine, o.get("engine").getAsString());
            assertEquals(methods[i], o.get("method").getAsString());
            assertEquals(4, o.get("batch").getAsInt());
            assertEquals(1, o.get("threads").getAsInt());
            double fwd = o.get("forward_ms").getAsDouble();
            double map = o.get("map_ms").getAsDouble();
            assertTrue(fwd > 0 && map > 0, lines[i]);
            assertEquals(map / fwd, o.get("ratio").getAsDouble(), 1e-3 * map / fwd + 1e-3, lines[i]);
            assertEquals(4 / (map / 1000), o.get("maps_per_s").getAsDouble(), 1e-3 * 4000 / map + 0.01, lines[i]);
        }
        assertTrue(r.err().contains("digits_cnn.onnx on " + engine), r.err());
        // the native kernels the figures come from (the test JVM's environment, set by the root pom)
        String kernels = engine.equals("tensorflow") ? "TF_ENABLE_ONEDNN_OPTS=" + System.getenv("TF_ENABLE_ONEDNN_OPTS")
                : "ONEDNN_MAX_CPU_ISA=" + System.getenv("ONEDNN_MAX_CPU_ISA");
        assertTrue(r.err().contains("per measurement, " + kernels + "\n"), r.err());
        assertTrue(r.err().matches("(?s).*method +ms/call +x forward +maps/s\n\\(forward\\) .*\ngradient +[0-9.]+ +[0-9.]+"
                + " +[0-9.]+\nlrp_epsilon_0_1 +[0-9.]+ +[0-9.]+ +[0-9.]+\n"), r.err());
    }

    @Test
    void repeatsTheSamplesOfAnInputFileToTheBatch() {
        String input = Fixtures.root().resolve("digits_cnn/x0/input.npy").toString();
        EngineCliTest.Result r = EngineCliTest.run("bench", "--model", model(), "--input", input, "--batch", "3",
                "--method", "gradient", "--seconds", "0.1");
        assertEquals(0, r.code(), r.err());
        JsonObject o = JsonParser.parseString(r.out().strip()).getAsJsonObject();
        assertEquals(3, o.get("batch").getAsInt());
        assertEquals("pytorch", o.get("engine").getAsString(), "ONNX defaults to PyTorch");
    }

    @Test
    void badInvocationsGetOneLine() {
        EngineCliTest.assertOneLineError(EngineCliTest.run("bench", "--model", model(), "--batch", "4", "--method",
                "gradient"), 2, "exactly one of --input");
        EngineCliTest.assertOneLineError(EngineCliTest.run("bench", "--model", model(), "--input-shape", "1,16,16",
                "--batch", "0", "--method", "gradient"), 2, "--batch must be between 1 and");
        EngineCliTest.assertOneLineError(EngineCliTest.run("bench", "--model", model(), "--input-shape", "1,x",
                "--batch", "2", "--method", "gradient"), 2, "--input-shape wants whole numbers");
        EngineCliTest.assertOneLineError(EngineCliTest.run("bench", "--model", model(), "--input-shape", "1,16,16",
                "--batch", "2", "--method", "gradient", "--seconds", "-1"), 2, "--seconds must be above 0");
        EngineCliTest.assertOneLineError(EngineCliTest.run("bench", "--model", model(), "--input-shape", "1,16,16",
                "--batch", "2", "--method", "no_such_method"), 1, "no_such_method");
        EngineCliTest.assertOneLineError(EngineCliTest.run("bench", "--model", model(), "--input-shape", "1,16,16",
                "--batch", "2", "--method", "gradient", "--engine", "caffe"), 2, "unknown engine");
        EngineCliTest.assertOneLineError(EngineCliTest.run("bench", "--model", model(), "--input-shape", "3,16,16",
                "--batch", "2", "--method", "gradient", "--seconds", "0.1"), 1, "");
    }
}
