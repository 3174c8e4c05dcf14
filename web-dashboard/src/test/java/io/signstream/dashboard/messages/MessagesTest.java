package io.signstream.dashboard.messages;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MessagesTest {

    private static ExplanationMessage sample(long[] shape, String layout, int size) {
        float[] input = new float[size];
        float[] rel = new float[size];
        for (int i = 0; i < size; i++) {
            input[i] = i * 0.25f;
            rel[i] = (i % 3 - 1) * 0.125f;
        }
        return new ExplanationMessage("ev-1", "digits_cnn", "3", "lrp_epsilon_0_1", "pytorch", "cpu", 7, null, 12.5,
                shape, layout, input, rel, -0.125, 0.125, 0.0, 0.5, 0.75, 1.5, 1_700_000_000_000L);
    }

    @Test
    void explanationSurvivesJsonAndItsEncodedText() {
        ExplanationMessage m = sample(new long[]{1, 1, 4, 4}, "NCHW", 16);
        assertEquals(m, ExplanationMessage.fromJson(m.toJson()));
        assertEquals(m, ExplanationMessage.fromJson(new JsonObject(m.toJson().encode())));
        assertNull(ExplanationMessage.fromJson(m.toJson()).targetLabel());
        assertEquals(2.25, m.latencyMillis(), 1e-12);
    }

    @Test
    void explanationRejectsInconsistentShapes() {
        assertThrows(IllegalArgumentException.class, () -> sample(new long[]{1, 1, 4, 4}, "NCHW", 15));
        assertThrows(IllegalArgumentException.class, () -> sample(new long[]{2, 8}, "NC", 16));
        assertThrows(IllegalArgumentException.class, () -> sample(new long[]{1, 16}, "NCT", 16));
        assertThrows(IllegalArgumentException.class, () -> sample(new long[]{1, 16}, "CN", 16));
        JsonObject json = sample(new long[]{1, 20}, "NC", 20).toJson();
        json.getJsonArray("relevance").remove(0);
        assertThrows(IllegalArgumentException.class, () -> ExplanationMessage.fromJson(json));
    }

    @Test
    void explanationNamesTheBadField() {
        JsonObject json = sample(new long[]{1, 2, 3}, "NCT", 6).toJson();
        json.remove("computeMillis");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ExplanationMessage.fromJson(json));
        assertTrue(e.getMessage().contains("computeMillis"), e.getMessage());
        JsonObject json2 = sample(new long[]{1, 2, 3}, "NCT", 6).toJson().put("input", "oops");
        e = assertThrows(IllegalArgumentException.class, () -> ExplanationMessage.fromJson(json2));
        assertTrue(e.getMessage().contains("input"), e.getMessage());
    }

    @Test
    void deadLetterSurvivesJsonWithNullableFields() {
        DeadLetterMessage d = new DeadLetterMessage("BAD_SHAPE", "input has 15 values, shape says 16",
                "signstream.requests", 2, 99L, null, "digits_cnn", null, 1_700_000_000_000L);
        assertEquals(d, DeadLetterMessage.fromJson(d.toJson()));
        assertEquals(d, DeadLetterMessage.fromJson(new JsonObject(d.toJson().encode())));
        assertThrows(IllegalArgumentException.class,
                () -> DeadLetterMessage.fromJson(d.toJson().put("reason", null)));
    }
}
