package io.signstream.engine.viz;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Writes {@link RgbImage}s (floats in [0, 1]) as 8-bit PNG files with {@code javax.imageio}, optionally
 * enlarged by an integer factor with nearest-neighbour sampling, so that a 16×16 relevance map shows its
 * pixels as crisp 16-pixel blocks instead of a 16-pixel thumbnail or a blurred interpolation.
 *
 * <p>A channel value v becomes the byte {@code round(clamp(v, 0, 1) · 255)}; NaN becomes 0.
 *
 * <pre>{@code
 * RgbImage heat = RelevanceColoring.relevanceToHeatmap(map, 16, 16, Colormap.SEISMIC, true);
 * PngWriter.write(heat, 16, Path.of("heat.png"));   // a 256×256 PNG
 * }</pre>
 */
public final class PngWriter {

    static {
        Headless.ensure();
    }

    private PngWriter() {
    }

    /** Writes the image at its own size. */
    public static void write(RgbImage img, Path png) throws IOException {
        write(img, 1, png);
    }

    /**
     * Writes the image enlarged {@code scale} times in both directions; creates missing parent folders.
     *
     * @param scale 1 or more
     */
    public static void write(RgbImage img, int scale, Path png) throws IOException {
        write(toBufferedImage(img, scale), png);
    }

    /** Writes any image as PNG; creates missing parent folders. */
    public static void write(BufferedImage image, Path png) throws IOException {
        Path parent = png.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (!ImageIO.write(image, "png", png.toFile())) {
            throw new IOException("no PNG writer available in javax.imageio");
        }
    }

    /** The image as a {@code TYPE_INT_RGB} buffer, each pixel repeated into a {@code scale × scale} block. */
    public static BufferedImage toBufferedImage(RgbImage img, int scale) {
        if (scale < 1) {
            throw new IllegalArgumentException("scale must be at least 1, got " + scale);
        }
        int h = img.height();
        int w = img.width();
        BufferedImage out = new BufferedImage(w * scale, h * scale, BufferedImage.TYPE_INT_RGB);
        int[] row = new int[w * scale];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = toRgb(img.get(y, x, 0), img.get(y, x, 1), img.get(y, x, 2));
                for (int dx = 0; dx < scale; dx++) {
                    row[x * scale + dx] = rgb;
                }
            }
            for (int dy = 0; dy < scale; dy++) {
                out.setRGB(0, y * scale + dy, w * scale, 1, row, 0, w * scale);
            }
        }
        return out;
    }

    /** Packs three [0, 1] floats into {@code 0xRRGGBB}. */
    public static int toRgb(float r, float g, float b) {
        return (toByte(r) << 16) | (toByte(g) << 8) | toByte(b);
    }

    /** {@code round(clamp(v, 0, 1) · 255)}; NaN gives 0. */
    public static int toByte(float v) {
        if (!(v > 0f)) {
            return 0; // also NaN
        }
        if (v >= 1f) {
            return 255;
        }
        return Math.round(v * 255f);
    }
}
