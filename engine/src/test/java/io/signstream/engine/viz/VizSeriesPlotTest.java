package io.signstream.engine.viz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VizSeriesPlotTest {

    @TempDir
    Path dir;

    @Test
    void barChart() throws Exception {
        float[] values = {1f, -2f, 3f, 0.5f, -1f, 2f};
        float[] relevance = {0.1f, -1f, 1f, 0f, -0.3f, 0.4f};
        SeriesPlot.Options o = SeriesPlot.Options.DEFAULT.withSize(400, 200).withTitle("tabular");
        Path png = dir.resolve("bars.png");
        SeriesPlot.writeBars(values, relevance, o, png);
        assertTrue(Files.size(png) > 0);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(400, img.getWidth());
        assertEquals(200, img.getHeight());
        // feature 2 has the largest relevance: seismic 255 = (128, 0, 0) fills the middle of its bar
        int slot = (400 - SeriesPlot.LEFT - SeriesPlot.RIGHT) / 6;
        int cx = SeriesPlot.LEFT + (int) (2.5 * slot);
        boolean darkRed = false;
        for (int y = SeriesPlot.TOP; y < 200 - SeriesPlot.BOTTOM; y++) {
            darkRed |= (img.getRGB(cx, y) & 0xFFFFFF) == 0x800000;
        }
        assertTrue(darkRed, "most relevant bar is dark red");
        // feature 1 has the most negative relevance: seismic 0 = (0, 0, 77)
        int cx1 = SeriesPlot.LEFT + (int) (1.5 * slot);
        boolean navy = false;
        for (int y = SeriesPlot.TOP; y < 200 - SeriesPlot.BOTTOM; y++) {
            navy |= (img.getRGB(cx1, y) & 0xFFFFFF) == 0x00004D;
        }
        assertTrue(navy, "most negative bar is navy");
        assertThrows(IllegalArgumentException.class, () -> SeriesPlot.renderBars(new float[2], new float[3], o));
    }

    @Test
    void lineChartOnePanelPerChannel() throws Exception {
        int t = 50;
        float[][] x = new float[3][t];
        float[][] r = new float[3][t];
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < t; i++) {
                x[c][i] = (float) Math.sin(i * 0.3 + c) * (c + 1);
                r[c][i] = (float) Math.cos(i * 0.2 + c);
            }
        }
        SeriesPlot.Options o = SeriesPlot.Options.DEFAULT.withSize(600, 300).withPanelHeight(100);
        Path png = dir.resolve("lines.png");
        SeriesPlot.writeLines(x, r, o, png);
        assertTrue(Files.size(png) > 0);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(600, img.getWidth());
        assertEquals(SeriesPlot.TOP + 3 * 100 + SeriesPlot.BOTTOM, img.getHeight());
        assertEquals(img.getHeight(), SeriesPlot.linesHeight(3, o));
        long coloured = 0;
        for (int yy = 0; yy < img.getHeight(); yy++) {
            for (int xx = SeriesPlot.LEFT; xx < 600 - SeriesPlot.RIGHT; xx++) {
                int p = img.getRGB(xx, yy) & 0xFFFFFF;
                int red = p >> 16;
                int blue = p & 0xFF;
                if (Math.abs(red - blue) > 100) {
                    coloured++;
                }
            }
        }
        assertTrue(coloured > 500, "relevance halo is drawn, " + coloured + " strongly coloured pixels");
        // single-step series and NaN values are drawn without failing
        SeriesPlot.renderLines(new float[][] {{1f}}, new float[][] {{1f}}, o);
        SeriesPlot.renderLines(new float[][] {{1f, Float.NaN, 2f}}, new float[][] {{0f, 1f, Float.NaN}}, o);
        assertThrows(IllegalArgumentException.class,
                () -> SeriesPlot.renderLines(new float[][] {{1f, 2f}, {1f}}, new float[][] {{1f, 2f}, {1f}}, o));
    }
}
