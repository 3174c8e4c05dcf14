package io.signstream.engine.viz;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A labelled PNG grid for comparing relevance maps of one input, e.g. the same method from two frameworks or
 * several methods side by side. Each row shows:
 *
 * <ol>
 *   <li>the input image;</li>
 *   <li>each map, normalised by {@link HeatmapNormalization#normalizeHeatmap(float[])} and coloured with
 *       {@link Colormap#SEISMIC} (symmetric), so maps on different scales can be compared by shape;</li>
 *   <li>for every map after the first, the absolute difference {@code |map_i − map_1|} of the <em>raw</em>
 *       maps, in {@link Colormap#GRAY} scaled to its own maximum, with that maximum in the label, so that a
 *       difference of 1e-7 is both visible and reported honestly as tiny.</li>
 * </ol>
 *
 * <p>Tiles are enlarged {@code scale} times with nearest-neighbour sampling. The figure is
 * {@code cols·W·scale + (cols+1)·PAD} pixels wide and {@code rows·(LABEL_HEIGHT + H·scale + PAD) + PAD} high,
 * see {@link #size}.
 *
 * <pre>{@code
 * ComparisonGrid.write(image, List.of(
 *         new ComparisonGrid.LabeledMap("pytorch", torchMap),
 *         new ComparisonGrid.LabeledMap("tensorflow", tfMap)), 8, Path.of("compare.png"));
 * }</pre>
 */
public final class ComparisonGrid {

    /** Gap between tiles and around the figure, pixels. */
    public static final int PAD = 4;
    /** Height of the label strip above each row of tiles, pixels. */
    public static final int LABEL_HEIGHT = 16;

    private static final Color BACKGROUND = Color.WHITE;
    private static final Color TEXT = new Color(0x20, 0x20, 0x20);

    static {
        Headless.ensure();
    }

    private ComparisonGrid() {
    }

    /**
     * A relevance map of one sample, already reduced to {@code (H, W)} (see {@link ChannelAggregation}).
     *
     * @param label shown above the tile
     * @param values {@code H·W} values, row-major
     */
    public record LabeledMap(String label, float[] values) {
    }

    /** One row of the grid: an input and its maps, all of the input's height and width. */
    public record Row(RgbImage input, List<LabeledMap> maps) {

        public Row {
            maps = List.copyOf(maps);
            for (LabeledMap m : maps) {
                if (m.values().length != input.height() * input.width()) {
                    throw new IllegalArgumentException("map '" + m.label() + "' has " + m.values().length
                            + " values; the input is " + input.height() + "x" + input.width());
                }
            }
        }
    }

    /** Number of columns for {@code maps} maps: input + maps + one difference per map after the first. */
    public static int columns(int maps) {
        return 1 + maps + Math.max(0, maps - 1);
    }

    /** {@code {width, height}} of the figure in pixels. */
    public static int[] size(int rows, int maps, int height, int width, int scale) {
        int cols = columns(maps);
        return new int[] {
            cols * width * scale + (cols + 1) * PAD,
            rows * (LABEL_HEIGHT + height * scale + PAD) + PAD};
    }

    /** Renders and writes a one-row grid. */
    public static void write(RgbImage input, List<LabeledMap> maps, int scale, Path png) throws IOException {
        PngWriter.write(render(input, maps, scale), png);
    }

    /** Renders and writes a grid with one row per input. */
    public static void write(List<Row> rows, int scale, Path png) throws IOException {
        PngWriter.write(render(rows, scale), png);
    }

    /** Renders a one-row grid. */
    public static BufferedImage render(RgbImage input, List<LabeledMap> maps, int scale) {
        return render(List.of(new Row(input, maps)), scale);
    }

    /**
     * Renders a grid with one row per input; all rows need the same number of maps and the same image size.
     */
    public static BufferedImage render(List<Row> rows, int scale) {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("no rows to draw");
        }
        if (scale < 1) {
            throw new IllegalArgumentException("scale must be at least 1, got " + scale);
        }
        Row first = rows.get(0);
        int h = first.input().height();
        int w = first.input().width();
        int k = first.maps().size();
        for (Row r : rows) {
            if (r.input().height() != h || r.input().width() != w || r.maps().size() != k) {
                throw new IllegalArgumentException("all rows need " + k + " maps over a " + h + "x" + w + " input");
            }
        }
        int[] size = size(rows.size(), k, h, w, scale);
        BufferedImage out = new BufferedImage(size[0], size[1], BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setColor(BACKGROUND);
            g.fillRect(0, 0, size[0], size[1]);
            int tileW = w * scale;
            int tileH = h * scale;
            for (int r = 0; r < rows.size(); r++) {
                int top = PAD + r * (LABEL_HEIGHT + tileH + PAD);
                List<Tile> tiles = tiles(rows.get(r));
                for (int c = 0; c < tiles.size(); c++) {
                    int left = PAD + c * (tileW + PAD);
                    Labels.draw(g, tiles.get(c).label(), left, top + LABEL_HEIGHT - 4, tileW, TEXT);
                    g.drawImage(PngWriter.toBufferedImage(tiles.get(c).image(), scale), left, top + LABEL_HEIGHT, null);
                }
            }
        } finally {
            g.dispose();
        }
        return out;
    }

    private record Tile(String label, RgbImage image) {
    }

    private static List<Tile> tiles(Row row) {
        int h = row.input().height();
        int w = row.input().width();
        List<Tile> tiles = new ArrayList<>();
        tiles.add(new Tile("input", row.input()));
        for (LabeledMap m : row.maps()) {
            float[] norm = HeatmapNormalization.normalizeHeatmap(m.values());
            tiles.add(new Tile(m.label(), RelevanceColoring.relevanceToHeatmap(norm, h, w, Colormap.SEISMIC, true)));
        }
        LabeledMap ref = row.maps().isEmpty() ? null : row.maps().get(0);
        for (int i = 1; i < row.maps().size(); i++) {
            LabeledMap m = row.maps().get(i);
            float[] diff = new float[h * w];
            float max = 0f;
            for (int p = 0; p < diff.length; p++) {
                diff[p] = Math.abs(m.values()[p] - ref.values()[p]);
                if (diff[p] > max) { // NaN never wins, so one NaN pixel does not blank the tile
                    max = diff[p];
                }
            }
            float[] scaled = new float[diff.length];
            for (int p = 0; p < diff.length; p++) {
                scaled[p] = max > 0f ? diff[p] / max : 0f;
            }
            String label = String.format(Locale.ROOT, "|%s-%s| max %.3g", m.label(), ref.label(), max);
            tiles.add(new Tile(label, RelevanceColoring.relevanceToHeatmap(scaled, h, w, Colormap.GRAY, false)));
        }
        return tiles;
    }
}
