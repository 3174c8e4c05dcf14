package io.signstream.engine.viz;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.signstream.engine.npy.NpyArray;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Writes one sample figure of each kind for a person to look at. Skipped unless {@code -Dviz.samples.dir=DIR}
 * is given, so ordinary test runs write nothing outside their temporary folders.
 */
class VizSamplesTest {

    @Test
    void writeSamples() throws Exception {
        String dirName = System.getProperty("viz.samples.dir");
        assumeTrue(dirName != null && !dirName.isBlank(), "set -Dviz.samples.dir to write sample figures");
        Path dir = Path.of(dirName);

        // A synthetic 32×32 RGB "image" (NCHW) and a map with a positive and a negative blob.
        int h = 32;
        int w = 32;
        float[] x = new float[3 * h * w];
        float[] r = new float[3 * h * w];
        float[] r2 = new float[3 * h * w];
        for (int y = 0; y < h; y++) {
            for (int xx = 0; xx < w; xx++) {
                double d = Math.hypot(y - 16, xx - 16);
                x[y * w + xx] = (float) (d < 10 ? 1.0 : 0.2);
                x[h * w + y * w + xx] = (float) xx / w;
                x[2 * h * w + y * w + xx] = (float) y / h;
                double pos = Math.exp(-(Math.pow(y - 12, 2) + Math.pow(xx - 12, 2)) / 18);
                double neg = Math.exp(-(Math.pow(y - 22, 2) + Math.pow(xx - 22, 2)) / 12);
                for (int c = 0; c < 3; c++) {
                    r[c * h * w + y * w + xx] = (float) (pos - 0.7 * neg) / 3;
                    r2[c * h * w + y * w + xx] = (float) (1.1 * pos - 0.5 * neg + 0.05 * Math.sin(xx)) / 3;
                }
            }
        }
        NpyArray image = new NpyArray(x, new long[] {1, 3, h, w});
        NpyArray map = new NpyArray(r, new long[] {1, 3, h, w});
        Visualizer.writeOverlay(image, map, true, dir.resolve("overlay_rgb.png"));

        // The bare seismic heatmap of a 16×16 map, enlarged 16 times.
        float[] small = new float[16 * 16];
        for (int i = 0; i < small.length; i++) {
            small[i] = (float) Math.sin(i * 0.37) * (i % 16 - 7.5f) / 7.5f;
        }
        PngWriter.write(RelevanceColoring.relevanceToHeatmap(
                HeatmapNormalization.normalizeHeatmap(small), 16, 16, Colormap.SEISMIC, true), 16,
                dir.resolve("heatmap_16x16_seismic.png"));

        // The colormaps as 256×24 strips.
        for (Colormap c : Colormap.builtIns()) {
            float[] ramp = new float[24 * 256];
            for (int i = 0; i < ramp.length; i++) {
                ramp[i] = (i % 256 + 0.5f) / 256f;
            }
            RgbImage strip = RelevanceColoring.relevanceToHeatmap(ramp, 24, 256, c, false);
            PngWriter.write(PngWriter.toBufferedImage(strip, 1), dir.resolve("colormap_" + c.name() + ".png"));
        }

        Visualizer.writeComparison(image, List.of("pytorch", "tensorflow"),
                List.of(map, new NpyArray(r2, new long[] {1, 3, h, w})), true, dir.resolve("comparison_grid.png"));

        // Tabular: 12 features.
        float[] feats = new float[12];
        float[] frel = new float[12];
        for (int i = 0; i < 12; i++) {
            feats[i] = (float) Math.cos(i * 0.9) * (i + 1) / 4;
            frel[i] = (float) Math.sin(i * 1.3) * Math.abs(feats[i]);
        }
        Visualizer.writeOverlay(new NpyArray(feats, new long[] {1, 12}), new NpyArray(frel, new long[] {1, 12}),
                true, dir.resolve("series_tabular_bars.png"));

        // Time series: 3 ECG-like channels of 300 steps (N, C, T).
        int t = 300;
        float[] ts = new float[3 * t];
        float[] trel = new float[3 * t];
        for (int c = 0; c < 3; c++) {
            for (int k = 0; k < t; k++) {
                double phase = (k % 100) / 100.0;
                double qrs = Math.exp(-Math.pow((phase - 0.4) / 0.02, 2)) * (1.5 - 0.4 * c);
                double tw = 0.3 * Math.exp(-Math.pow((phase - 0.7) / 0.06, 2));
                ts[c * t + k] = (float) (qrs + tw + 0.03 * Math.sin(k * 0.5 + c));
                trel[c * t + k] = (float) (qrs * (c == 1 ? -1 : 1) * 0.8 + 0.2 * tw - 0.05 * Math.sin(k * 0.05));
            }
        }
        Visualizer.writeOverlay(new NpyArray(ts, new long[] {1, 3, t}), new NpyArray(trel, new long[] {1, 3, t}),
                true, dir.resolve("series_timeseries_lines.png"));

        // A single-channel 28×28 input (MNIST-sized), channels last.
        float[] digit = new float[28 * 28];
        float[] drel = new float[28 * 28];
        for (int y = 0; y < 28; y++) {
            for (int xx = 0; xx < 28; xx++) {
                boolean stroke = Math.abs(Math.hypot(y - 14, xx - 14) - 8) < 2;
                digit[y * 28 + xx] = stroke ? 1f : 0f;
                drel[y * 28 + xx] = stroke ? (xx < 14 ? 1f : -0.6f) : 0f;
            }
        }
        Visualizer.writeOverlay(new NpyArray(digit, new long[] {1, 28, 28, 1}),
                new NpyArray(drel, new long[] {1, 28, 28, 1}), false, dir.resolve("overlay_gray_28x28.png"));
    }
}
