package io.signstream.engine.viz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VizPngWriterTest {

    @TempDir
    Path dir;

    @Test
    void byteConversion() {
        assertEquals(0, PngWriter.toByte(0f));
        assertEquals(255, PngWriter.toByte(1f));
        assertEquals(0, PngWriter.toByte(-0.5f));
        assertEquals(255, PngWriter.toByte(2f));
        assertEquals(0, PngWriter.toByte(Float.NaN));
        assertEquals(128, PngWriter.toByte(0.5f));     // 127.5 rounds up
        assertEquals(77, PngWriter.toByte(0.3f));      // 76.5000030...
        assertEquals(253, PngWriter.toByte((float) (253.0 / 255)));
        assertEquals(0x804020, PngWriter.toRgb(0.5f, 0.25f, 0.125f));
    }

    @Test
    void seismicMapReadsBackWithExpectedColours() throws Exception {
        // 2x2 relevance map: −1, 0 / 1, NaN → seismic entries 0, 128, 255 and the bad colour
        RgbImage heat = RelevanceColoring.relevanceToHeatmap(
                new float[] {-1f, 0f, 1f, Float.NaN}, 2, 2, Colormap.SEISMIC, true);
        Path png = dir.resolve("sub/heat.png");
        PngWriter.write(heat, 3, png);
        BufferedImage back = ImageIO.read(png.toFile());
        assertEquals(6, back.getWidth());
        assertEquals(6, back.getHeight());
        int[][] expected = {{0x00004D, 0xFFFDFD}, {0x800000, 0x000000}};
        for (int y = 0; y < 6; y++) {
            for (int x = 0; x < 6; x++) {
                assertEquals(expected[y / 3][x / 3], back.getRGB(x, y) & 0xFFFFFF, "pixel " + x + "," + y);
            }
        }
    }

    @Test
    void unscaledWriteAndArguments() throws Exception {
        RgbImage img = RgbImage.fromGray(new float[] {0f, 0.5f, 1f}, 1, 3);
        Path png = dir.resolve("gray.png");
        PngWriter.write(img, png);
        BufferedImage back = ImageIO.read(png.toFile());
        assertEquals(3, back.getWidth());
        assertEquals(1, back.getHeight());
        assertEquals(0x000000, back.getRGB(0, 0) & 0xFFFFFF);
        assertEquals(0x808080, back.getRGB(1, 0) & 0xFFFFFF);
        assertEquals(0xFFFFFF, back.getRGB(2, 0) & 0xFFFFFF);
        assertThrows(IllegalArgumentException.class, () -> PngWriter.toBufferedImage(img, 0));
        assertEquals("true", System.getProperty("java.awt.headless"));
    }
}
