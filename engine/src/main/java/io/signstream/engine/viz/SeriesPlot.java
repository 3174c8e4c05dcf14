package io.signstream.engine.viz;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Plots of one-dimensional inputs with the relevance shown as colour: a bar chart for tabular inputs (one bar
 * per feature, height = feature value) and a line chart for time series (one panel per channel, stacked, so
 * that channels of different scale, e.g. ECG leads, stay readable). Relevance is normalised over the whole
 * sample with {@link HeatmapNormalization#normalizeHeatmap(float[])} and coloured symmetrically with the
 * chosen colormap (seismic by default: blue negative, red positive); a colour bar on the right shows the scale.
 *
 * <p>Near-zero relevance is almost white in seismic, so bars get a dark outline and the signal line is drawn
 * in dark grey over its coloured halo: the data stay visible where relevance vanishes.
 *
 * <p>Sizes: a bar chart is {@code width × height}; a line chart is
 * {@code width × (TOP + channels·panelHeight + BOTTOM)}, see {@link #linesHeight}.
 *
 * <pre>{@code
 * SeriesPlot.writeBars(features, relevance, SeriesPlot.Options.DEFAULT, Path.of("tabular.png"));
 * SeriesPlot.writeLines(new float[][] {lead1, lead2}, new float[][] {rel1, rel2},
 *         SeriesPlot.Options.DEFAULT.withTitle("ECG"), Path.of("ecg.png"));
 * }</pre>
 */
public final class SeriesPlot {

    /** Space for the title, pixels. */
    public static final int TOP = 22;
    /** Space for the x-axis labels, pixels. */
    public static final int BOTTOM = 20;
    /** Space for the y-axis labels, pixels. */
    public static final int LEFT = 56;
    /** Space for the colour bar and its labels, pixels. */
    public static final int RIGHT = 52;

    private static final Color AXIS = new Color(0x40, 0x40, 0x40);
    private static final Color GRID = new Color(0xE0, 0xE0, 0xE0);
    private static final Color SIGNAL = new Color(0x30, 0x30, 0x30);

    static {
        Headless.ensure();
    }

    private SeriesPlot() {
    }

    /**
     * Plot settings.
     *
     * @param width image width, pixels
     * @param height bar-chart height, pixels
     * @param panelHeight height of one channel panel of a line chart, pixels
     * @param colormap colours the relevance (symmetric, [−1, 1])
     * @param title drawn at the top; may be empty
     */
    public record Options(int width, int height, int panelHeight, Colormap colormap, String title) {

        /** 800 × 360 bars, 140-pixel panels, seismic, no title. */
        public static final Options DEFAULT = new Options(800, 360, 140, Colormap.SEISMIC, "");

        public Options {
            if (width < LEFT + RIGHT + 10 || height < TOP + BOTTOM + 10 || panelHeight < 20) {
                throw new IllegalArgumentException("plot too small: " + width + "x" + height + ", panels " + panelHeight);
            }
            title = title == null ? "" : title;
        }

        public Options withTitle(String t) {
            return new Options(width, height, panelHeight, colormap, t);
        }

        public Options withSize(int w, int h) {
            return new Options(w, h, panelHeight, colormap, title);
        }

        public Options withPanelHeight(int p) {
            return new Options(width, height, p, colormap, title);
        }
    }

    /** Height of a line chart with {@code channels} panels. */
    public static int linesHeight(int channels, Options o) {
        return TOP + channels * o.panelHeight() + BOTTOM;
    }

    /** Writes a bar chart of a tabular sample. */
    public static void writeBars(float[] values, float[] relevance, Options o, Path png) throws IOException {
        PngWriter.write(renderBars(values, relevance, o), png);
    }

    /** Writes a line chart of a time series, {@code channels[c][t]}. */
    public static void writeLines(float[][] channels, float[][] relevance, Options o, Path png) throws IOException {
        PngWriter.write(renderLines(channels, relevance, o), png);
    }

    /**
     * A bar per feature, height {@code values[i]} from a zero baseline, filled with the colour of
     * {@code relevance[i]}.
     */
    public static BufferedImage renderBars(float[] values, float[] relevance, Options o) {
        if (values.length == 0 || values.length != relevance.length) {
            throw new IllegalArgumentException(
                    "need equally many values and relevances, got " + values.length + " and " + relevance.length);
        }
        float[] colors = colors(relevance, o.colormap());
        BufferedImage img = new BufferedImage(o.width(), o.height(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = start(img, o);
        try {
            int x0 = LEFT;
            int x1 = o.width() - RIGHT;
            int y0 = TOP;
            int y1 = o.height() - BOTTOM;
            double[] range = range(values, true);
            drawYAxis(g, range, ticks(values, true), x0, x1, y0, y1);
            int n = values.length;
            double slot = (double) (x1 - x0) / n;
            double barW = Math.max(1.0, slot * 0.8);
            double zeroY = yOf(0, range, y0, y1);
            for (int i = 0; i < n; i++) {
                double cx = x0 + (i + 0.5) * slot;
                double vy = Float.isNaN(values[i]) ? zeroY : yOf(values[i], range, y0, y1);
                Rectangle2D bar = new Rectangle2D.Double(cx - barW / 2, Math.min(vy, zeroY), barW, Math.abs(vy - zeroY));
                g.setColor(color(colors, i));
                g.fill(bar);
                if (slot >= 4) {
                    g.setColor(AXIS);
                    g.setStroke(new BasicStroke(0.8f));
                    g.draw(bar);
                }
            }
            g.setColor(AXIS);
            g.draw(new Line2D.Double(x0, zeroY, x1, zeroY));
            int every = n <= 40 ? 1 : (int) Math.ceil(n / 20.0);
            for (int i = 0; i < n; i += every) {
                String label = Integer.toString(i);
                int cx = (int) Math.round(x0 + (i + 0.5) * slot);
                Labels.draw(g, label, cx - Labels.width(g, label) / 2, y1 + 14, 40, AXIS);
            }
            drawColorBar(g, o, y0, y1);
        } finally {
            g.dispose();
        }
        return img;
    }

    /**
     * One panel per channel, each with its own y range; the signal is drawn over a thick halo whose colour at
     * each time step is that step's relevance. Series of at most 100 steps also get a coloured dot per step.
     *
     * @param channels {@code [C][T]} values
     * @param relevance {@code [C][T]} relevances
     */
    public static BufferedImage renderLines(float[][] channels, float[][] relevance, Options o) {
        int c = channels.length;
        if (c == 0 || relevance.length != c) {
            throw new IllegalArgumentException("need equally many channels of values and relevances");
        }
        int t = channels[0].length;
        float[] allRelevance = new float[c * t];
        for (int ch = 0; ch < c; ch++) {
            if (t == 0 || channels[ch].length != t || relevance[ch].length != t) {
                throw new IllegalArgumentException("every channel needs the same non-zero number of steps");
            }
            System.arraycopy(relevance[ch], 0, allRelevance, ch * t, t);
        }
        float[] colors = colors(allRelevance, o.colormap());
        int height = linesHeight(c, o);
        BufferedImage img = new BufferedImage(o.width(), height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = start(img, o);
        try {
            int x0 = LEFT;
            int x1 = o.width() - RIGHT;
            double[] xs = new double[t];
            for (int i = 0; i < t; i++) {
                xs[i] = t == 1 ? (x0 + x1) / 2.0 : x0 + i * (double) (x1 - x0) / (t - 1);
            }
            for (int ch = 0; ch < c; ch++) {
                int py0 = TOP + ch * o.panelHeight() + 4;
                int py1 = TOP + (ch + 1) * o.panelHeight() - 4;
                double[] range = range(channels[ch], false);
                drawYAxis(g, range, ticks(channels[ch], false), x0, x1, py0, py1);
                Labels.draw(g, "ch " + ch, x0 + 4, py0 + 11, 60, AXIS);
                double[] ys = new double[t];
                for (int i = 0; i < t; i++) {
                    ys[i] = Float.isNaN(channels[ch][i]) ? Double.NaN : yOf(channels[ch][i], range, py0, py1);
                }
                drawSeries(g, xs, ys, colors, ch * t);
            }
            int every = Math.max(1, (int) Math.ceil(t / 10.0));
            int baseline = TOP + c * o.panelHeight();
            for (int i = 0; i < t; i += every) {
                String label = Integer.toString(i);
                Labels.draw(g, label, (int) Math.round(xs[i]) - Labels.width(g, label) / 2, baseline + 14, 48, AXIS);
            }
            drawColorBar(g, o, TOP + 4, baseline - 4);
        } finally {
            g.dispose();
        }
        return img;
    }

    private static void drawSeries(Graphics2D g, double[] xs, double[] ys, float[] colors, int colorOffset) {
        int t = xs.length;
        // Halo: each step owns the half-segments to its neighbours, in its own colour.
        g.setStroke(new BasicStroke(6f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        for (int i = 0; i < t; i++) {
            if (Double.isNaN(ys[i])) {
                continue;
            }
            Path2D.Double p = new Path2D.Double();
            boolean hasPrev = i > 0 && !Double.isNaN(ys[i - 1]);
            boolean hasNext = i < t - 1 && !Double.isNaN(ys[i + 1]);
            p.moveTo(hasPrev ? (xs[i - 1] + xs[i]) / 2 : xs[i], hasPrev ? (ys[i - 1] + ys[i]) / 2 : ys[i]);
            p.lineTo(xs[i], ys[i]);
            if (hasNext) {
                p.lineTo((xs[i] + xs[i + 1]) / 2, (ys[i] + ys[i + 1]) / 2);
            }
            g.setColor(color(colors, colorOffset + i));
            g.draw(p);
        }
        g.setColor(SIGNAL);
        g.setStroke(new BasicStroke(1.2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        for (int i = 0; i + 1 < t; i++) {
            if (!Double.isNaN(ys[i]) && !Double.isNaN(ys[i + 1])) {
                g.draw(new Line2D.Double(xs[i], ys[i], xs[i + 1], ys[i + 1]));
            }
        }
        if (t <= 100) {
            g.setStroke(new BasicStroke(0.8f));
            for (int i = 0; i < t; i++) {
                if (Double.isNaN(ys[i])) {
                    continue;
                }
                Ellipse2D dot = new Ellipse2D.Double(xs[i] - 3, ys[i] - 3, 6, 6);
                g.setColor(color(colors, colorOffset + i));
                g.fill(dot);
                g.setColor(SIGNAL);
                g.draw(dot);
            }
        }
    }

    private static Graphics2D start(BufferedImage img, Options o) {
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        Labels.draw(g, o.title(), LEFT, 15, o.width() - LEFT - RIGHT, AXIS);
        return g;
    }

    /** Relevance normalised over the sample, coloured symmetrically: {r, g, b} per value. */
    private static float[] colors(float[] relevance, Colormap cmap) {
        return RelevanceColoring.relevanceToHeatmap(HeatmapNormalization.normalizeHeatmap(relevance), cmap, true);
    }

    private static Color color(float[] rgb, int i) {
        return new Color(PngWriter.toRgb(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]));
    }

    /** {lo, hi} of the finite values, widened by 5 %; bars always include the zero baseline. */
    private static double[] range(float[] v, boolean includeZero) {
        double lo = includeZero ? 0 : Double.POSITIVE_INFINITY;
        double hi = includeZero ? 0 : Double.NEGATIVE_INFINITY;
        for (float x : v) {
            if (Float.isFinite(x)) {
                lo = Math.min(lo, x);
                hi = Math.max(hi, x);
            }
        }
        if (!(lo <= hi)) { // no finite value
            lo = -1;
            hi = 1;
        }
        if (lo == hi) {
            lo -= 1;
            hi += 1;
        }
        double pad = 0.05 * (hi - lo);
        return new double[] {lo - pad, hi + pad};
    }

    private static double yOf(double v, double[] range, int y0, int y1) {
        double clamped = Math.max(range[0], Math.min(range[1], v)); // ±inf stay on the plot's edge
        return y1 - (clamped - range[0]) / (range[1] - range[0]) * (y1 - y0);
    }

    /**
     * Tick values: the data's minimum and maximum (5 % inside the plot's edges, so labels of stacked panels do
     * not collide) and 0 for bars or the midpoint for lines.
     */
    private static double[] ticks(float[] v, boolean bars) {
        double[] r = range(v, bars);
        double pad = (r[1] - r[0]) / 1.1 * 0.05;
        double lo = r[0] + pad;
        double hi = r[1] - pad;
        double mid = bars ? 0 : (lo + hi) / 2;
        if (bars && (lo == 0 || hi == 0)) {
            return new double[] {lo, hi};
        }
        return new double[] {lo, mid, hi};
    }

    private static void drawYAxis(Graphics2D g, double[] range, double[] ticks, int x0, int x1, int y0, int y1) {
        g.setStroke(new BasicStroke(1f));
        for (double tick : ticks) {
            int y = (int) Math.round(yOf(tick, range, y0, y1));
            g.setColor(GRID);
            g.drawLine(x0, y, x1, y);
            String label = String.format(Locale.ROOT, "%.3g", tick);
            Labels.draw(g, label, x0 - 4 - Labels.width(g, label), y + 4, x0 - 4, AXIS);
        }
        g.setColor(AXIS);
        g.drawLine(x0, y0, x0, y1);
    }

    /** A vertical bar from −1 (bottom) to +1 (top) in the colormap's symmetric colours. */
    private static void drawColorBar(Graphics2D g, Options o, int y0, int y1) {
        int x = o.width() - RIGHT + 12;
        int w = 10;
        int h = Math.max(1, y1 - y0);
        float[] rgb = new float[3];
        for (int dy = 0; dy < h; dy++) {
            double t = 1.0 - (dy + 0.5) / h; // symmetric: t = (r + 1) / 2
            o.colormap().colorAt(t, rgb, 0);
            g.setColor(new Color(PngWriter.toRgb(rgb[0], rgb[1], rgb[2])));
            g.fillRect(x, y0 + dy, w, 1);
        }
        g.setColor(AXIS);
        g.setStroke(new BasicStroke(1f));
        g.drawRect(x, y0, w, h);
        Labels.draw(g, "+1", x + w + 3, y0 + 9, RIGHT - w - 14, AXIS);
        Labels.draw(g, "0", x + w + 3, y0 + h / 2 + 4, RIGHT - w - 14, AXIS);
        Labels.draw(g, "-1", x + w + 3, y1, RIGHT - w - 14, AXIS);
    }
}
