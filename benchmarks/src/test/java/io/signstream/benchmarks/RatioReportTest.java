package io.signstream.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The report's arithmetic on a hand-written JMH result; nothing here is timed. */
class RatioReportTest {

    private static Path sample() throws URISyntaxException {
        return Path.of(RatioReportTest.class.getResource("/sample-jmh.json").toURI());
    }

    @Test
    void convertsUnitsAndKeysByModelBatchEngine() throws Exception {
        Map<RatioReport.Key, Map<String, RatioReport.Score>> all = RatioReport.read(List.of(sample()));
        Map<String, RatioReport.Score> pt = all.get(new RatioReport.Key("digits_cnn", 4, "pytorch"));
        assertEquals(2e-3, pt.get("forward").seconds(), 1e-12);
        assertEquals(1.6e-3, pt.get("forward").bestSeconds(), 1e-12); // fastest iteration
        assertEquals(1.9e-3, pt.get("forward").medianSeconds(), 1e-12); // of 2.5, 1.6, 1.9
        assertEquals(4e-3, pt.get("gradient").seconds(), 1e-12);
        assertEquals(4e-3, pt.get("gradient").bestSeconds(), 1e-12); // no raw data: the mean
        assertEquals(4e-3, pt.get("gradient").medianSeconds(), 1e-12);
        assertTrue(Double.isNaN(pt.get("gradient").errorSeconds()));
        assertEquals(0.05, pt.get("integratedGradients").seconds(), 1e-12);
        assertEquals(8, pt.get("integratedGradients").igSteps());
        // throughput 0.1 ops/ms = 10 ms per call
        assertEquals(1e-2, all.get(new RatioReport.Key("small_vgg", 32, "tensorflow")).get("forward").seconds(), 1e-12);
    }

    @Test
    void printsCostInForwardPassesAndMapsPerSecond() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        RatioReport.print(RatioReport.read(List.of(sample())), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String text = bytes.toString(StandardCharsets.UTF_8);
        // gradient 4 ms / forward 2 ms; IG 50 ms / 2 ms; LRP not measured
        assertTrue(text.contains("| digits_cnn | 4 | pytorch | 2.00 | 2.00× | 25.00× (8 steps) | — | — |"), text);
        // by median iteration: 4 / 1.9 and 50 / 1.9
        assertTrue(text.contains("| digits_cnn | 4 | pytorch | 1.90 | 2.11× | 26.32× (8 steps) | — | — |"), text);
        // by fastest iteration: 4 / 1.6 and 50 / 1.6
        assertTrue(text.contains("| digits_cnn | 4 | pytorch | 1.60 | 2.50× | 31.25× (8 steps) | — | — |"), text);
        // 4 samples in 2 ms = 2000 per second
        assertTrue(text.contains("2.00 ± 0.100 ms, 2000/s"), text);
        assertTrue(text.indexOf("digits_cnn") < text.indexOf("small_vgg"), text);
    }
}
