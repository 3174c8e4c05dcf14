package io.signstream.engine.viz;

import java.util.Arrays;

/**
 * An RGB image as floats in [0, 1], row-major with interleaved channels ({@code (H, W, 3)}, the layout that
 * matplotlib's colormaps and {@code overlay_heatmap} produce). Values outside [0, 1] are allowed (the Python
 * utilities do not clip); {@link PngWriter} clamps them when it writes bytes.
 *
 * <pre>{@code
 * RgbImage img = RgbImage.fromGray(new float[] {0f, 0.5f, 1f, 0.25f}, 2, 2);
 * float g = img.get(1, 0, 1);   // 1.0
 * }</pre>
 *
 * @param height rows
 * @param width columns
 * @param data {@code height * width * 3} values, {@code data[(y * width + x) * 3 + c]}
 */
public record RgbImage(int height, int width, float[] data) {

    public RgbImage {
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + height + "x" + width);
        }
        if (data.length != (long) height * width * 3) {
            throw new IllegalArgumentException(
                    data.length + " values cannot form a " + height + "x" + width + " RGB image");
        }
    }

    /** A grayscale image replicated into the three channels. */
    public static RgbImage fromGray(float[] gray, int height, int width) {
        if (gray.length != (long) height * width) {
            throw new IllegalArgumentException(gray.length + " values cannot form a " + height + "x" + width + " image");
        }
        float[] rgb = new float[gray.length * 3];
        for (int i = 0; i < gray.length; i++) {
            rgb[3 * i] = gray[i];
            rgb[3 * i + 1] = gray[i];
            rgb[3 * i + 2] = gray[i];
        }
        return new RgbImage(height, width, rgb);
    }

    /** A uniformly coloured image. */
    public static RgbImage filled(int height, int width, float r, float g, float b) {
        float[] rgb = new float[height * width * 3];
        for (int i = 0; i < rgb.length; i += 3) {
            rgb[i] = r;
            rgb[i + 1] = g;
            rgb[i + 2] = b;
        }
        return new RgbImage(height, width, rgb);
    }

    /** Channel {@code c} (0 = red) of pixel ({@code y}, {@code x}). */
    public float get(int y, int x, int c) {
        return data[(y * width + x) * 3 + c];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RgbImage other && other.height == height && other.width == width
                && Arrays.equals(other.data, data);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * height + width) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "RgbImage[" + height + "x" + width + "]";
    }
}
