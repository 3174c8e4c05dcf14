package io.signstream.engine.viz;

/**
 * {@code overlay_heatmap(img, heat, alpha=0.5)} of SignXAI: {@code (1 − alpha)·img + alpha·heat}, element by
 * element, both operands RGB in [0, 1]. Nothing is clipped, as in the original; {@link PngWriter} clamps when it
 * writes bytes. The arithmetic runs in float64 (the heatmap from matplotlib is float64) and is stored as float.
 *
 * <pre>{@code
 * RgbImage heat = RelevanceColoring.relevanceToHeatmap(map, h, w, Colormap.SEISMIC, true);
 * RgbImage blended = Overlay.overlay(image, heat, 0.5);
 * }</pre>
 */
public final class Overlay {

    /** The default of {@code overlay_heatmap}. */
    public static final double DEFAULT_ALPHA = 0.5;

    private Overlay() {
    }

    /** Blends two equally long arrays. */
    public static float[] overlay(float[] img, float[] heat, double alpha) {
        if (img.length != heat.length) {
            throw new IllegalArgumentException(
                    "image and heatmap differ in size: " + img.length + " vs " + heat.length);
        }
        float[] out = new float[img.length];
        for (int i = 0; i < img.length; i++) {
            out[i] = (float) ((1 - alpha) * img[i] + alpha * heat[i]);
        }
        return out;
    }

    /** Blends two images of the same size. */
    public static RgbImage overlay(RgbImage img, RgbImage heat, double alpha) {
        if (img.height() != heat.height() || img.width() != heat.width()) {
            throw new IllegalArgumentException("image " + img + " and heatmap " + heat + " differ in size");
        }
        return new RgbImage(img.height(), img.width(), overlay(img.data(), heat.data(), alpha));
    }

    /** {@link #overlay(RgbImage, RgbImage, double)} with alpha 0.5. */
    public static RgbImage overlay(RgbImage img, RgbImage heat) {
        return overlay(img, heat, DEFAULT_ALPHA);
    }
}
