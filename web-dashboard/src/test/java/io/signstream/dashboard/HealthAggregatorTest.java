package io.signstream.dashboard;

import io.signstream.dashboard.messages.ExplanationMessage;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class HealthAggregatorTest {

    private static ExplanationMessage withLatency(String model, String method, double queued, double compute) {
        ExplanationMessage m = Samples.tabular(model, method, "pytorch", "e");
        return new ExplanationMessage(m.eventId(), m.modelId(), m.modelVersion(), m.method(), m.engine(), m.device(),
                m.target(), m.targetLabel(), m.logit(), m.inputShape(), m.layout(), m.input(), m.relevance(), m.min(),
                m.max(), m.sum(), m.sharePositive(), queued, compute, m.producedAtMillis());
    }

    @Test
    void throughputOverTheSlidingWindow() {
        HealthAggregator h = new HealthAggregator(10, 100, 5);
        long t0 = 1_000_000;
        for (int s = 0; s < 20; s++) {            // 20 s at 50 events/s
            for (int i = 0; i < 50; i++) {
                h.record(withLatency("a", "g", 0, 1), t0 + s * 1000 + i * 20);
            }
        }
        JsonObject row = h.snapshot(t0 + 19_999).getJsonArray("models").getJsonObject(0);
        assertEquals(50.0, row.getDouble("eventsPerSecond"), 0.01);
        assertEquals(1000, row.getLong("count"));
        // 5 s of silence: half of the window is empty
        assertEquals(25.0, h.snapshot(t0 + 24_999).getJsonArray("models").getJsonObject(0)
                .getDouble("eventsPerSecond"), 0.01);
        // a young stream is divided by its age, not by the whole window
        HealthAggregator young = new HealthAggregator(10, 100, 5);
        for (int i = 0; i < 30; i++) {
            young.record(withLatency("a", "g", 0, 1), t0 + i * 100);
        }
        assertEquals(10.0, young.snapshot(t0 + 3000).getJsonArray("models").getJsonObject(0)
                .getDouble("eventsPerSecond"), 0.01);
    }

    @Test
    void percentilesOverRecentLatenciesPerModelAndMethod() {
        HealthAggregator h = new HealthAggregator(10, 100, 5);
        for (int i = 1; i <= 300; i++) {   // only the last 100 count: 201..300
            h.record(withLatency("a", "g", i * 0.25, i * 0.75), 1000);
        }
        h.record(withLatency("b", "lrp", 2, 3), 1000);
        var rows = h.snapshot(2000).getJsonArray("models");
        assertEquals(2, rows.size());
        assertEquals(250.0, rows.getJsonObject(0).getDouble("p50Millis"), 1e-9);
        assertEquals(295.0, rows.getJsonObject(0).getDouble("p95Millis"), 1e-9);
        assertEquals(5.0, rows.getJsonObject(1).getDouble("p95Millis"), 1e-9);
        assertEquals("lrp", rows.getJsonObject(1).getString("method"));
    }

    @Test
    void deadLettersByCodeWithTheMostRecentReasons() {
        HealthAggregator h = new HealthAggregator(10, 100, 3);
        for (int i = 0; i < 5; i++) {
            h.record(Samples.deadLetter("BAD_SHAPE", "reason " + i));
        }
        h.record(Samples.deadLetter("UNKNOWN_MODEL", "no model x"));
        JsonObject dl = h.snapshot(0).getJsonObject("deadLetters");
        assertEquals(6, dl.getLong("total"));
        assertEquals(5, dl.getJsonObject("byCode").getLong("BAD_SHAPE"));
        assertEquals(1, dl.getJsonObject("byCode").getLong("UNKNOWN_MODEL"));
        assertEquals(3, dl.getJsonArray("recent").size());
        assertEquals("no model x", dl.getJsonArray("recent").getJsonObject(0).getString("reason"));
        assertEquals("reason 3", dl.getJsonArray("recent").getJsonObject(2).getString("reason"));
    }

    @Test
    void modelMethodPairsAreBounded() {
        HealthAggregator h = new HealthAggregator(10, 10, 3);
        for (int i = 0; i < HealthAggregator.MAX_KEYS + 50; i++) {
            h.record(withLatency("model-" + i, "g", 0, 1), 1000);
        }
        var rows = h.snapshot(1000).getJsonArray("models");
        assertEquals(HealthAggregator.MAX_KEYS + 1, rows.size());
        assertEquals(HealthAggregator.OTHER, rows.getJsonObject(rows.size() - 1).getString("model"));
        assertEquals(50, rows.getJsonObject(rows.size() - 1).getLong("count"));
    }
}
