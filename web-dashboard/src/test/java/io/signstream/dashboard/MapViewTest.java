package io.signstream.dashboard;

import io.signstream.dashboard.messages.ExplanationMessage;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MapViewTest {

    private static byte[] bytes(JsonObject view, String field) {
        return Base64.getDecoder().decode(view.getString(field));
    }

    @Test
    void greyImageKeepsItsSizeAndQuantisesSymmetrically() {
        ExplanationMessage m = Samples.quadrants("m", "gradient", "pytorch", "e1");
        JsonObject v = MapView.of(m, 256, 1024);
        assertEquals("image", v.getString("kind"));
        assertEquals(16, v.getInteger("width"));
        assertEquals(16, v.getInteger("height"));
        assertEquals(1, v.getInteger("channels"));
        assertNull(v.getValue("downsample"));
        byte[] rel = bytes(v, "relevance");
        assertEquals(256, rel.length);
        assertEquals(127, rel[15]);        // the maximum
        assertEquals(64, rel[0]);          // 0.5 of it, rounded
        assertEquals(-64, rel[255]);
        assertEquals(0, rel[8]);
        assertEquals(1.0, v.getDouble("relevanceMaxAbs"), 1e-9);
        for (byte b : bytes(v, "input")) {
            assertEquals((byte) 128, b);   // a constant image is mid grey
        }
    }

    @Test
    void largeMapsAreBlockAveragedBelowTheCap() {
        int side = 600;
        float[] input = new float[side * side];
        float[] rel = new float[side * side];
        for (int i = 0; i < rel.length; i++) {
            rel[i] = (i / side) < 300 ? 1f : -1f;
            input[i] = (i % side) / (float) side;
        }
        ExplanationMessage m = Samples.message("m", "gradient", "pytorch", "e", new long[]{1, 1, side, side},
                "NCHW", input, rel, null, 0);
        JsonObject v = MapView.of(m, 256, 1024);
        assertEquals(200, v.getInteger("width"));   // factor ceil(600 / 256) = 3
        assertEquals(200, v.getInteger("height"));
        assertEquals(3, v.getJsonArray("downsample").getInteger(0));
        byte[] r = bytes(v, "relevance");
        assertEquals(200 * 200, r.length);
        assertEquals(127, r[0]);
        assertEquals(-127, r[r.length - 1]);
        assertTrue(v.encode().length() < 200_000, "frame stays small: " + v.encode().length());
    }

    @Test
    void channelsLastRgbBecomesPlanarAndRelevanceIsSummedOverChannels() {
        float[] input = {1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1};   // 2×2 pixels: red, green, blue, white
        float[] rel = {1, 1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 0};
        ExplanationMessage m = Samples.message("m", "gradient", "tensorflow", "e", new long[]{1, 2, 2, 3}, "NHWC",
                input, rel, null, 0);
        JsonObject v = MapView.of(m, 256, 1024);
        assertEquals(3, v.getInteger("channels"));
        byte[] px = bytes(v, "input");
        assertArrayEquals(new byte[]{(byte) 255, 0, 0, (byte) 255, 0, (byte) 255, 0, (byte) 255,
                0, 0, (byte) 255, (byte) 255}, px);
        assertArrayEquals(new byte[]{127, 0, -64, 0}, bytes(v, "relevance"));
    }

    @Test
    void seriesAndTabularViews() {
        JsonObject s = MapView.of(Samples.series("m", "gradient", "pytorch", "e"), 256, 100);
        assertEquals("series", s.getString("kind"));
        assertEquals(2, s.getInteger("channels"));
        assertEquals(86, s.getInteger("length"));    // 256 steps in buckets of 3
        assertEquals(2 * 86, bytes(s, "input").length);
        assertEquals(86, bytes(s, "relevance").length);

        ExplanationMessage ntc = Samples.message("m", "g", "tensorflow", "e", new long[]{1, 3, 2}, "NTC",
                new float[]{0, 10, 1, 20, 2, 30}, new float[]{1, 1, 0, 0, -1, 0}, null, 0);
        JsonObject v = MapView.of(ntc, 256, 1024);
        assertEquals(3, v.getInteger("length"));
        assertArrayEquals(new byte[]{127, 0, -64}, bytes(v, "relevance"));
        assertEquals(0.0, v.getDouble("inputMin"));
        assertEquals(30.0, v.getDouble("inputMax"));

        JsonObject b = MapView.of(Samples.tabular("m", "gradient", "pytorch", "e"), 256, 1024);
        assertEquals("bars", b.getString("kind"));
        assertEquals(20, b.getInteger("length"));
        assertEquals(20, bytes(b, "input").length);
    }
}
