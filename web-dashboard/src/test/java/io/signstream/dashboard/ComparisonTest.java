package io.signstream.dashboard;

import io.signstream.dashboard.messages.ExplanationMessage;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ComparisonTest {

    /** The same map as NCHW (PyTorch) and NHWC (TensorFlow), the latter scaled and offset. */
    private static ExplanationMessage[] pair(String eventId, float scale, float offset) {
        int h = 3;
        int w = 4;
        int c = 2;
        float[] nchw = new float[c * h * w];
        float[] nhwc = new float[c * h * w];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    float v = (float) Math.sin(ch * 7 + y * 3 + x);
                    nchw[(ch * h + y) * w + x] = v;
                    nhwc[(y * w + x) * c + ch] = v * scale + offset;
                }
            }
        }
        return new ExplanationMessage[]{
                Samples.message("m", "lrp", "pytorch", eventId, new long[]{1, c, h, w}, "NCHW", nchw, nchw, null, 0),
                Samples.message("m", "lrp", "tensorflow", eventId, new long[]{1, h, w, c}, "NHWC", nhwc, nhwc, null, 0)};
    }

    @Test
    void comparesAcrossLayoutsInChannelsFirstOrder() {
        ExplanationMessage[] p = pair("e1", 1f, 0f);
        ComparisonTracker t = new ComparisonTracker(10);
        assertTrue(t.offer(p[1]).isEmpty());
        Comparison c = t.offer(p[0]).orElseThrow();
        assertEquals("pytorch", c.left().engine());          // pytorch left whatever arrived first
        assertEquals(1.0, c.pearson(), 1e-12);
        assertEquals(0.0, c.maxAbsDiff());
        assertEquals(0, t.waiting());

        Comparison scaled = Comparison.of(pair("e2", 2f, 0.5f)[0], pair("e2", 2f, 0.5f)[1]);
        assertEquals(1.0, scaled.pearson(), 1e-9);          // r ignores scale and offset, max|Δ| does not
        assertTrue(scaled.maxAbsDiff() > 1.0);
    }

    @Test
    void pearsonOfKnownVectors() {
        assertEquals(-1.0, Comparison.pearson(new float[]{1, 2, 3}, new float[]{3, 2, 1}), 1e-12);
        assertEquals(0.0, Comparison.pearson(new float[]{1, 2, 3, 4}, new float[]{1, -1, -1, 1}), 1e-12);
        assertTrue(Double.isNaN(Comparison.pearson(new float[]{1, 1}, new float[]{1, 2})));
        assertEquals(2.0, Comparison.maxAbsDiff(new float[]{1, 2, 3}, new float[]{1, 4, 2}));
    }

    @Test
    void sameEngineTwiceIsNoPairAndDifferentShapesAreReported() {
        ExplanationMessage[] p = pair("e1", 1f, 0f);
        ComparisonTracker t = new ComparisonTracker(10);
        assertTrue(t.offer(p[0]).isEmpty());
        assertTrue(t.offer(p[0]).isEmpty());
        assertEquals(1, t.waiting());
        ExplanationMessage other = Samples.message("m", "lrp", "tensorflow", "e1", new long[]{1, 24}, "NC",
                new float[24], new float[24], null, 0);
        Optional<Comparison> c = t.offer(other);
        assertNotNull(c.orElseThrow().problem());
        assertTrue(Double.isNaN(c.orElseThrow().pearson()));
    }

    @Test
    void waitingRoomIsBounded() {
        ComparisonTracker t = new ComparisonTracker(3);
        for (int i = 0; i < 10; i++) {
            t.offer(pair("e" + i, 1f, 0f)[0]);
        }
        assertEquals(3, t.waiting());
        assertTrue(t.offer(pair("e0", 1f, 0f)[1]).isEmpty());   // evicted long ago
        assertTrue(t.offer(pair("e9", 1f, 0f)[1]).isPresent());
    }
}
