package io.signstream.engine.viz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.engine.npy.NpyArray;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VizVisualizerTest {

    @TempDir
    Path dir;

    @Test
    void imageOverlayNchwAndNhwcGiveTheSamePng() throws Exception {
        NpyArray x = HeatmapChannelAggregationTest.random(1, 1, 3, 16, 16);
        NpyArray r = HeatmapChannelAggregationTest.random(2, 1, 3, 16, 16);
        List<Path> a = Visualizer.writeOverlay(x, r, true, dir.resolve("nchw.png"));
        List<Path> b = Visualizer.writeOverlay(
                HeatmapChannelAggregationTest.toNhwc(x), HeatmapChannelAggregationTest.toNhwc(r), false,
                dir.resolve("nhwc.png"));
        assertEquals(List.of(dir.resolve("nchw.png")), a);
        BufferedImage ia = ImageIO.read(a.get(0).toFile());
        BufferedImage ib = ImageIO.read(b.get(0).toFile());
        assertEquals(256, ia.getWidth());   // 16 × 16 enlarged 16 times
        assertEquals(256, ia.getHeight());
        for (int y = 0; y < 256; y++) {
            for (int xx = 0; xx < 256; xx++) {
                assertEquals(ia.getRGB(xx, y), ib.getRGB(xx, y));
            }
        }
    }

    @Test
    void overlayPixelArithmetic() {
        // constant input → black image; map with a single positive peak
        float[] map = new float[4];
        map[1] = 3f;
        map[2] = -1.5f;
        NpyArray x = new NpyArray(new float[4], new long[] {1, 1, 2, 2});
        NpyArray r = new NpyArray(map, new long[] {1, 2, 2});   // already (N, H, W)
        RgbImage o = Visualizer.overlayImage(x, r, 0, true, 0.5);
        // peak: normalised 1 → (0.5, 0, 0); half of it over black
        assertEquals(0.25f, o.get(0, 1, 0), 1e-7f);
        assertEquals(0f, o.get(0, 1, 1), 0f);
        // −1.5 → −0.5 → entry 64 = (1/255, 1/255, 1) → half
        assertEquals(0.5f, o.get(1, 0, 2), 1e-7f);
        // zero → entry 128
        assertEquals(0.5f, o.get(0, 0, 0), 1e-7f);
        assertEquals((float) (0.5 * 253 / 255), o.get(0, 0, 1), 1e-7f);
    }

    @Test
    void grayscaleInputIsMinMaxScaled() {
        NpyArray x = new NpyArray(new float[] {-2f, 0f, 2f, 6f}, new long[] {1, 2, 2, 1});
        RgbImage img = Visualizer.inputImage(x, 0, false);
        assertEquals(0f, img.get(0, 0, 0), 0f);
        assertEquals(0.25f, img.get(0, 1, 1), 0f);
        assertEquals(0.5f, img.get(1, 0, 2), 0f);
        assertEquals(1f, img.get(1, 1, 0), 0f);
        assertEquals(16, Visualizer.defaultScale(16, 16));
        assertEquals(9, Visualizer.defaultScale(28, 28));
        assertEquals(1, Visualizer.defaultScale(224, 224));
    }

    @Test
    void tabularBatchWritesOneFilePerSample() throws Exception {
        NpyArray x = HeatmapChannelAggregationTest.random(3, 2, 6);
        NpyArray r = HeatmapChannelAggregationTest.random(4, 2, 6);
        List<Path> out = Visualizer.writeOverlay(x, r, true, dir.resolve("tab.png"));
        assertEquals(List.of(dir.resolve("tab_0.png"), dir.resolve("tab_1.png")), out);
        for (Path p : out) {
            BufferedImage img = ImageIO.read(p.toFile());
            assertEquals(SeriesPlot.Options.DEFAULT.width(), img.getWidth());
            assertEquals(SeriesPlot.Options.DEFAULT.height(), img.getHeight());
        }
    }

    @Test
    void timeSeriesBothLayoutsAndSharedMap() throws Exception {
        NpyArray nct = HeatmapChannelAggregationTest.random(5, 1, 2, 40);
        NpyArray rel = HeatmapChannelAggregationTest.random(6, 1, 2, 40);
        Path a = Visualizer.writeOverlay(nct, rel, true, dir.resolve("nct.png")).get(0);
        // (N, T, C) transposed copy
        float[] ntc = new float[80];
        float[] rtc = new float[80];
        for (int c = 0; c < 2; c++) {
            for (int t = 0; t < 40; t++) {
                ntc[t * 2 + c] = nct.data()[c * 40 + t];
                rtc[t * 2 + c] = rel.data()[c * 40 + t];
            }
        }
        Path b = Visualizer.writeOverlay(new NpyArray(ntc, new long[] {1, 40, 2}), new NpyArray(rtc, new long[] {1, 40, 2}),
                false, dir.resolve("ntc.png")).get(0);
        assertTrue(java.util.Arrays.equals(Files.readAllBytes(a), Files.readAllBytes(b)), "same plot for both layouts");
        BufferedImage img = ImageIO.read(a.toFile());
        assertEquals(SeriesPlot.linesHeight(2, SeriesPlot.Options.DEFAULT), img.getHeight());
        // one relevance per step shared by the channels
        NpyArray shared = HeatmapChannelAggregationTest.random(7, 1, 40);
        Visualizer.writeOverlay(nct, shared, true, dir.resolve("shared.png"));
        assertThrows(IllegalArgumentException.class,
                () -> Visualizer.writeOverlay(nct, HeatmapChannelAggregationTest.random(8, 1, 41), true,
                        dir.resolve("bad.png")));
    }

    @Test
    void comparisonGridOneRowPerSample() throws Exception {
        NpyArray x = HeatmapChannelAggregationTest.random(9, 2, 3, 8, 8);
        NpyArray m1 = HeatmapChannelAggregationTest.random(10, 2, 3, 8, 8);
        NpyArray m2 = HeatmapChannelAggregationTest.random(11, 2, 8, 8);
        Path png = dir.resolve("cmp.png");
        Visualizer.writeComparison(x, List.of("a", "b"), List.of(m1, m2), true, png);
        BufferedImage img = ImageIO.read(png.toFile());
        int[] size = ComparisonGrid.size(2, 2, 8, 8, Visualizer.defaultScale(8, 8));
        assertEquals(size[0], img.getWidth());
        assertEquals(size[1], img.getHeight());
    }

    @Test
    void rejectsMismatches() {
        NpyArray x = HeatmapChannelAggregationTest.random(1, 1, 3, 4, 4);
        assertThrows(IllegalArgumentException.class, () -> Visualizer.writeOverlay(x,
                HeatmapChannelAggregationTest.random(1, 2, 3, 4, 4), true, dir.resolve("x.png")));
        assertThrows(IllegalArgumentException.class, () -> Visualizer.writeOverlay(x,
                HeatmapChannelAggregationTest.random(1, 1, 4, 5), true, dir.resolve("x.png")));
        assertEquals(Path.of("a/out_3.png"), Visualizer.samplePath(Path.of("a/out.png"), 3, 5));
    }
}
