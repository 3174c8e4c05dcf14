package io.signstream.engine.viz;

import io.signstream.engine.npy.NpyArray;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One-call figures from an input and its relevance map as they come out of the engine ({@link NpyArray},
 * batch first).
 *
 * <ul>
 *   <li>Rank-4 inputs (images, {@code (N, C, H, W)} when {@code channelsFirst}, else {@code (N, H, W, C)}): the
 *       input min-max scaled to [0, 1] (shown as grey for 1 channel, as RGB in the stored channel order for 3,
 *       as the grey channel mean otherwise) overlaid with the map, summed over channels (or given as
 *       {@code (N, H, W)}), normalised by {@link HeatmapNormalization#normalizeHeatmap(float[])} and coloured with
 *       seismic: {@code overlay_heatmap(img, relevance_to_heatmap(normalize_heatmap(R)), 0.5)}. Small images are
 *       enlarged with nearest-neighbour sampling by the largest integer factor that keeps the longer side
 *       within 256 pixels ({@link #defaultScale}).</li>
 *   <li>Rank-2 inputs (tabular, {@code (N, F)}): a {@link SeriesPlot} bar chart per sample.</li>
 *   <li>Rank-3 inputs (time series, {@code (N, C, T)} when {@code channelsFirst}, else {@code (N, T, C)}): a
 *       {@link SeriesPlot} line chart per sample; the map has the input's shape or is {@code (N, T)} (one
 *       relevance per step, shared by all channels).</li>
 * </ul>
 *
 * <p>A batch of one writes exactly the given path; a larger batch writes one file per sample with
 * {@code _<index>} before the extension ({@code out.png} → {@code out_0.png}, {@code out_1.png}, …), rather than
 * silently keeping only the first sample.
 *
 * <p>Inputs preprocessed for Keras' caffe mode are BGR with the ImageNet mean subtracted; the min-max scaling
 * makes them visible but the red and blue channels stay swapped.
 *
 * <pre>{@code
 * NpyArray x = NpyFile.read(Path.of("input.npy"));       // (1, 3, 32, 32)
 * NpyArray r = NpyFile.read(Path.of("relevance.npy"));   // (1, 3, 32, 32)
 * List<Path> written = Visualizer.writeOverlay(x, r, true, Path.of("overlay.png"));  // 256 x 256 PNG
 * }</pre>
 */
public final class Visualizer {

    /** Small images are enlarged until their longer side is as close to this as an integer factor allows. */
    public static final int TARGET_SIZE = 256;

    static {
        Headless.ensure();
    }

    private Visualizer() {
    }

    /** {@link #writeOverlay(NpyArray, NpyArray, boolean, Path, double)} with alpha 0.5. */
    public static List<Path> writeOverlay(NpyArray input, NpyArray map, boolean channelsFirst, Path png)
            throws IOException {
        return writeOverlay(input, map, channelsFirst, png, Overlay.DEFAULT_ALPHA);
    }

    /**
     * Writes an overlay (images) or a series plot (tabular, time series) per sample, see the class comment.
     *
     * @param alpha weight of the heatmap in image overlays; unused for series plots
     * @return the files written, one per sample
     */
    public static List<Path> writeOverlay(NpyArray input, NpyArray map, boolean channelsFirst, Path png, double alpha)
            throws IOException {
        int n = batch(input);
        if (map.rank() == 0 || map.shape()[0] != n) {
            throw new IllegalArgumentException("input " + input + " and map " + map + " differ in batch size");
        }
        List<Path> written = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Path out = samplePath(png, i, n);
            switch (input.rank()) {
                case 4 -> {
                    RgbImage img = overlayImage(input, map, i, channelsFirst, alpha);
                    PngWriter.write(img, defaultScale(img.height(), img.width()), out);
                }
                case 2 -> SeriesPlot.writeBars(sample(input, i), tabularMap(input, map, i),
                        SeriesPlot.Options.DEFAULT.withTitle(title(n, i)), out);
                case 3 -> {
                    float[][][] series = seriesAndMap(input, map, i, channelsFirst);
                    SeriesPlot.writeLines(series[0], series[1], SeriesPlot.Options.DEFAULT.withTitle(title(n, i)), out);
                }
                default -> throw new IllegalArgumentException(
                        "expected a rank-2 (tabular), rank-3 (series) or rank-4 (image) input, got " + input);
            }
            written.add(out);
        }
        return written;
    }

    /**
     * Writes one {@link ComparisonGrid} of image inputs, one row per sample: the input, each map and the
     * absolute differences to the first map.
     *
     * @param labels one per map
     * @param maps each of the input's shape or {@code (N, H, W)}
     */
    public static void writeComparison(NpyArray input, List<String> labels, List<NpyArray> maps,
            boolean channelsFirst, Path png) throws IOException {
        if (input.rank() != 4) {
            throw new IllegalArgumentException("comparison grids need a rank-4 image input, got " + input);
        }
        if (labels.size() != maps.size()) {
            throw new IllegalArgumentException(labels.size() + " labels for " + maps.size() + " maps");
        }
        int n = batch(input);
        List<ComparisonGrid.Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            RgbImage img = inputImage(input, i, channelsFirst);
            List<ComparisonGrid.LabeledMap> row = new ArrayList<>();
            for (int k = 0; k < maps.size(); k++) {
                row.add(new ComparisonGrid.LabeledMap(labels.get(k), pixelMap(input, maps.get(k), i, channelsFirst)));
            }
            rows.add(new ComparisonGrid.Row(img, row));
        }
        RgbImage first = rows.get(0).input();
        ComparisonGrid.write(rows, defaultScale(first.height(), first.width()), png);
    }

    /**
     * The overlay of sample {@code sample} of a rank-4 input at the input's own resolution:
     * {@code (1 − alpha)·image + alpha·seismic(normalize_heatmap(sum_c R))}.
     */
    public static RgbImage overlayImage(NpyArray input, NpyArray map, int sample, boolean channelsFirst, double alpha) {
        RgbImage img = inputImage(input, sample, channelsFirst);
        float[] r = HeatmapNormalization.normalizeHeatmap(pixelMap(input, map, sample, channelsFirst));
        RgbImage heat = RelevanceColoring.relevanceToHeatmap(r, img.height(), img.width(), Colormap.SEISMIC, true);
        return Overlay.overlay(img, heat, alpha);
    }

    /**
     * Sample {@code sample} of a rank-4 input as an image in [0, 1]: min-max scaled over all its channels
     * (a constant image becomes black); 1 channel → grey, 3 → RGB in stored order, others → grey mean.
     */
    public static RgbImage inputImage(NpyArray input, int sample, boolean channelsFirst) {
        if (input.rank() != 4) {
            throw new IllegalArgumentException("expected a rank-4 image input, got " + input);
        }
        long[] s = input.shape();
        int c = Math.toIntExact(channelsFirst ? s[1] : s[3]);
        int h = Math.toIntExact(channelsFirst ? s[2] : s[1]);
        int w = Math.toIntExact(channelsFirst ? s[3] : s[2]);
        float[] x = sample(input, sample);
        float lo = Float.POSITIVE_INFINITY;
        float hi = Float.NEGATIVE_INFINITY;
        for (float v : x) {
            if (Float.isFinite(v)) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        float span = hi - lo;
        float[] rgb = new float[h * w * 3];
        for (int p = 0; p < h * w; p++) {
            float[] px = new float[c];
            for (int ch = 0; ch < c; ch++) {
                float v = x[channelsFirst ? ch * h * w + p : p * c + ch];
                px[ch] = span > 0 ? (v - lo) / span : 0f;
            }
            if (c == 3) {
                System.arraycopy(px, 0, rgb, 3 * p, 3);
            } else {
                float mean = 0f;
                for (float v : px) {
                    mean += v;
                }
                mean /= c;
                rgb[3 * p] = mean;
                rgb[3 * p + 1] = mean;
                rgb[3 * p + 2] = mean;
            }
        }
        return new RgbImage(h, w, rgb);
    }

    /**
     * The largest integer enlargement that keeps the longer side within {@link #TARGET_SIZE} pixels, at least 1:
     * 16×16 → 16 (256×256), 28×28 → 9 (252×252), 224×224 → 1.
     */
    public static int defaultScale(int height, int width) {
        return Math.max(1, TARGET_SIZE / Math.max(height, width));
    }

    /** {@code out.png} for a batch of one, else {@code out_<i>.png}. */
    static Path samplePath(Path png, int i, int n) {
        if (n == 1) {
            return png;
        }
        String name = png.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String file = dot > 0 ? name.substring(0, dot) + "_" + i + name.substring(dot) : name + "_" + i;
        return png.resolveSibling(file);
    }

    /** The raw {@code (H, W)} map of one sample of an image input: summed over channels if it has any. */
    private static float[] pixelMap(NpyArray input, NpyArray map, int sample, boolean channelsFirst) {
        long[] s = input.shape();
        long h = channelsFirst ? s[2] : s[1];
        long w = channelsFirst ? s[3] : s[2];
        if (map.rank() == 3 && map.shape()[1] == h && map.shape()[2] == w) {
            return sample(map, sample);
        }
        if (map.rank() == 4 && Arrays.equals(map.shape(), s)) {
            NpyArray one = new NpyArray(sample(map, sample), withBatchOne(s));
            return ChannelAggregation.sumChannels(one, channelsFirst).data();
        }
        throw new IllegalArgumentException("map " + map + " fits neither input " + input + " nor (N, H, W)");
    }

    private static float[] tabularMap(NpyArray input, NpyArray map, int i) {
        if (!Arrays.equals(map.shape(), input.shape())) {
            throw new IllegalArgumentException("map " + map + " must have the tabular input's shape " + input);
        }
        return sample(map, i);
    }

    /** {values[C][T], relevance[C][T]} of one sample. */
    private static float[][][] seriesAndMap(NpyArray input, NpyArray map, int i, boolean channelsFirst) {
        long[] s = input.shape();
        int c = Math.toIntExact(channelsFirst ? s[1] : s[2]);
        int t = Math.toIntExact(channelsFirst ? s[2] : s[1]);
        float[][] values = toChannels(sample(input, i), c, t, channelsFirst);
        float[][] rel;
        if (Arrays.equals(map.shape(), s)) {
            rel = toChannels(sample(map, i), c, t, channelsFirst);
        } else if (map.rank() == 2 && map.shape()[1] == t) {
            float[] shared = sample(map, i);
            rel = new float[c][];
            for (int ch = 0; ch < c; ch++) {
                rel[ch] = shared.clone();
            }
        } else {
            throw new IllegalArgumentException("map " + map + " fits neither series input " + input + " nor (N, T)");
        }
        return new float[][][] {values, rel};
    }

    private static float[][] toChannels(float[] x, int c, int t, boolean channelsFirst) {
        float[][] out = new float[c][t];
        for (int ch = 0; ch < c; ch++) {
            for (int k = 0; k < t; k++) {
                out[ch][k] = x[channelsFirst ? ch * t + k : k * c + ch];
            }
        }
        return out;
    }

    private static int batch(NpyArray a) {
        if (a.rank() < 2) {
            throw new IllegalArgumentException("expected a batch-first array of rank 2 to 4, got " + a);
        }
        return Math.toIntExact(a.shape()[0]);
    }

    private static float[] sample(NpyArray a, int i) {
        int size = a.data().length / Math.toIntExact(a.shape()[0]);
        return Arrays.copyOfRange(a.data(), i * size, (i + 1) * size);
    }

    private static long[] withBatchOne(long[] s) {
        long[] one = s.clone();
        one[0] = 1;
        return one;
    }

    private static String title(int n, int i) {
        return n == 1 ? "" : "sample " + i;
    }
}
