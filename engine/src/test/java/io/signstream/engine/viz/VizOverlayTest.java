package io.signstream.engine.viz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class VizOverlayTest {

    @Test
    void blendsWithoutClipping() {
        float[] img = {0.2f, 0.4f, 1.0f, 1.5f};
        float[] heat = {1.0f, 0.0f, 0.5f, 1.0f};
        assertArrayEquals(new float[] {0.6f, 0.2f, 0.75f, 1.25f}, Overlay.overlay(img, heat, 0.5), 1e-7f);
        // (1 − 0.25)·img + 0.25·heat
        assertArrayEquals(new float[] {0.4f, 0.3f, 0.875f, 1.375f}, Overlay.overlay(img, heat, 0.25), 1e-7f);
        assertArrayEquals(img, Overlay.overlay(img, heat, 0.0), 0f);
        assertArrayEquals(heat, Overlay.overlay(img, heat, 1.0), 0f);
    }

    @Test
    void imagesAndDefaults() {
        RgbImage img = RgbImage.filled(2, 3, 0.2f, 0.4f, 0.6f);
        RgbImage heat = RgbImage.filled(2, 3, 1f, 0f, 0.5f);
        RgbImage out = Overlay.overlay(img, heat);
        assertEquals(2, out.height());
        assertEquals(3, out.width());
        assertEquals(0.6f, out.get(1, 2, 0), 1e-7f);
        assertEquals(0.2f, out.get(1, 2, 1), 1e-7f);
        assertEquals(0.55f, out.get(1, 2, 2), 1e-7f);
        assertThrows(IllegalArgumentException.class, () -> Overlay.overlay(img, RgbImage.filled(3, 2, 0, 0, 0)));
        assertThrows(IllegalArgumentException.class, () -> Overlay.overlay(new float[2], new float[3], 0.5));
    }
}
