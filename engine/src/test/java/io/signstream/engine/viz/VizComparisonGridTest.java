package io.signstream.engine.viz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VizComparisonGridTest {

    @TempDir
    Path dir;

    @Test
    void writesGridOfExpectedSizeAndTiles() throws Exception {
        int h = 8;
        int w = 8;
        int scale = 4;
        RgbImage input = RgbImage.filled(h, w, 0f, 1f, 0f);
        float[] a = new float[h * w];
        float[] b = new float[h * w];
        a[0] = 2f;            // pixel (0,0): the maximum of A
        b[0] = 2f;
        b[h * w - 1] = -1f;   // pixel (7,7): the only difference, |B − A| = 1
        Path png = dir.resolve("grid.png");
        ComparisonGrid.write(input,
                List.of(new ComparisonGrid.LabeledMap("A", a), new ComparisonGrid.LabeledMap("B", b)), scale, png);
        assertTrue(Files.size(png) > 0);
        BufferedImage img = ImageIO.read(png.toFile());
        int[] size = ComparisonGrid.size(1, 2, h, w, scale);
        // 4 columns (input, A, B, |B−A|): 4·32 + 5·4 = 148 wide; 4 + 16 + 32 + 4 = 56 high
        assertArrayEquals(new int[] {148, 56}, size);
        assertEquals(size[0], img.getWidth());
        assertEquals(size[1], img.getHeight());

        int top = ComparisonGrid.PAD + ComparisonGrid.LABEL_HEIGHT;
        int tile = w * scale + ComparisonGrid.PAD;
        int left0 = ComparisonGrid.PAD;
        assertEquals(0x00FF00, rgb(img, left0 + 5, top + 5), "input tile");
        // map A: normalised, pixel (0,0) = 1 → seismic 255 = (0.5, 0, 0); zeros → entry 128
        assertEquals(0x800000, rgb(img, left0 + tile + 1, top + 1));
        assertEquals(0xFFFDFD, rgb(img, left0 + tile + 20, top + 20));
        // map B: 2 → 1 (0.5,0,0); −1 → −0.5 → t = 0.25 → entry 64 = (1/255, 1/255, 1)
        assertEquals(0x800000, rgb(img, left0 + 2 * tile + 1, top + 1));
        assertEquals(0x0101FF, rgb(img, left0 + 2 * tile + w * scale - 2, top + h * scale - 2));
        // difference: white at the maximum, black elsewhere
        assertEquals(0xFFFFFF, rgb(img, left0 + 3 * tile + w * scale - 2, top + h * scale - 2));
        assertEquals(0x000000, rgb(img, left0 + 3 * tile + 1, top + 1));
        // the label strip holds some dark text pixels above the first tile
        boolean text = false;
        for (int y = ComparisonGrid.PAD; y < top; y++) {
            for (int x = left0; x < left0 + w * scale; x++) {
                text |= rgb(img, x, y) != 0xFFFFFF;
            }
        }
        assertTrue(text, "label 'input' drawn");
    }

    @Test
    void multipleRowsAndValidation() throws Exception {
        RgbImage input = RgbImage.filled(4, 6, 0.5f, 0.5f, 0.5f);
        ComparisonGrid.Row row = new ComparisonGrid.Row(input, List.of(new ComparisonGrid.LabeledMap("m", new float[24])));
        BufferedImage img = ComparisonGrid.render(List.of(row, row, row), 2);
        int[] size = ComparisonGrid.size(3, 1, 4, 6, 2);
        assertEquals(size[0], img.getWidth());
        assertEquals(size[1], img.getHeight());
        assertEquals(2, ComparisonGrid.columns(1));
        assertThrows(IllegalArgumentException.class,
                () -> new ComparisonGrid.Row(input, List.of(new ComparisonGrid.LabeledMap("m", new float[5]))));
    }

    private static int rgb(BufferedImage img, int x, int y) {
        return img.getRGB(x, y) & 0xFFFFFF;
    }
}
