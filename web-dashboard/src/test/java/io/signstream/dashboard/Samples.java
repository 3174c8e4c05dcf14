package io.signstream.dashboard;

import io.signstream.dashboard.messages.DeadLetterMessage;
import io.signstream.dashboard.messages.ExplanationMessage;

/** Test messages with recognisable pictures, so a screenshot shows what each kind of view looks like. */
final class Samples {

    private Samples() {
    }

    /** A grey ring on black (a "zero") with positive relevance on its left half, negative on its right. */
    static ExplanationMessage digit(String model, String method, String engine, String eventId, int side) {
        float[] input = new float[side * side];
        float[] rel = new float[side * side];
        double c = (side - 1) / 2.0;
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                double r = Math.hypot(y - c, (x - c) * 1.3) / (side / 2.0);
                input[y * side + x] = (float) Math.max(0, 1 - Math.abs(r - 0.6) * 5);
                rel[y * side + x] = (float) (input[y * side + x] * (x < c ? 1 : -0.6) * (0.5 + y / (double) side));
            }
        }
        return message(model, method, engine, eventId, new long[]{1, 1, side, side}, "NCHW", input, rel, "zero", 0);
    }

    /**
     * A flat grey 16×16 image whose relevance is +0.5 in the top-left quadrant, -0.5 in the bottom-right and 1
     * at pixel (15, 0), so the colours of known pixels are known.
     */
    static ExplanationMessage quadrants(String model, String method, String engine, String eventId) {
        int side = 16;
        float[] input = new float[side * side];
        float[] rel = new float[side * side];
        java.util.Arrays.fill(input, 0.5f);
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                rel[y * side + x] = y < 8 && x < 8 ? 0.5f : y >= 8 && x >= 8 ? -0.5f : 0f;
            }
        }
        rel[15] = 1f;
        return message(model, method, engine, eventId, new long[]{1, 1, side, side}, "NCHW", input, rel, "seven", 7);
    }

    /** A colourful 32×32 RGB picture, channels last, relevance on a diagonal band. */
    static ExplanationMessage rgbNhwc(String model, String method, String engine, String eventId) {
        int side = 32;
        float[] input = new float[side * side * 3];
        float[] rel = new float[side * side * 3];
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                int p = (y * side + x) * 3;
                input[p] = x / (float) side;
                input[p + 1] = y / (float) side;
                input[p + 2] = 0.5f;
                float band = (float) Math.exp(-Math.pow((x - y) / 4.0, 2));
                rel[p] = band;
                rel[p + 1] = band * 0.5f - (float) Math.exp(-Math.pow((x + y - side) / 5.0, 2)) * 0.8f;
            }
        }
        return message(model, method, engine, eventId, new long[]{1, side, side, 3}, "NHWC", input, rel, "cat", 3);
    }

    /** Two sine channels of 256 steps; relevance peaks around t = 80 and dips around t = 190. */
    static ExplanationMessage series(String model, String method, String engine, String eventId) {
        int t = 256;
        float[] input = new float[2 * t];
        float[] rel = new float[2 * t];
        for (int i = 0; i < t; i++) {
            input[i] = (float) Math.sin(i / 12.0);
            input[t + i] = (float) (0.6 * Math.cos(i / 7.0) + 0.2);
            rel[i] = (float) Math.exp(-Math.pow((i - 80) / 15.0, 2));
            rel[t + i] = (float) -Math.exp(-Math.pow((i - 190) / 10.0, 2)) * 0.7f;
        }
        return message(model, method, engine, eventId, new long[]{1, 2, t}, "NCT", input, rel, "anomaly", 1);
    }

    /** Twenty tabular features of both signs with mixed relevance. */
    static ExplanationMessage tabular(String model, String method, String engine, String eventId) {
        int n = 20;
        float[] input = new float[n];
        float[] rel = new float[n];
        for (int i = 0; i < n; i++) {
            input[i] = (float) Math.sin(i * 0.9) * (1 + i % 3);
            rel[i] = (float) (Math.cos(i * 0.7) * input[i]);
        }
        return message(model, method, engine, eventId, new long[]{1, n}, "NC", input, rel, null, 2);
    }

    static ExplanationMessage message(String model, String method, String engine, String eventId, long[] shape,
                                      String layout, float[] input, float[] rel, String label, int target) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double sum = 0;
        double pos = 0;
        double abs = 0;
        for (float r : rel) {
            min = Math.min(min, r);
            max = Math.max(max, r);
            sum += r;
            pos += Math.max(0, r);
            abs += Math.abs(r);
        }
        return new ExplanationMessage(eventId, model, "1", method, engine, "cpu", target, label, 4.25, shape, layout,
                input, rel, min, max, sum, abs > 0 ? pos / abs : 0, 0.4, 1.1, System.currentTimeMillis());
    }

    static DeadLetterMessage deadLetter(String code, String reason) {
        return new DeadLetterMessage(code, reason, "signstream.requests", 0, 42, "ev-bad", "digits_cnn", null,
                System.currentTimeMillis());
    }

    /**
     * The same map as {@code nhwc} brought to NCHW, as the other engine would produce it, with relevance
     * perturbed by {@code noise} (relative to max|R|) so the agreement is high but not perfect.
     */
    static ExplanationMessage asNchw(ExplanationMessage nhwc, String engine, double noise) {
        long[] s = nhwc.inputShape();
        int h = (int) s[1];
        int w = (int) s[2];
        int c = (int) s[3];
        float[] in = new float[nhwc.input().length];
        float[] rel = new float[in.length];
        double scale = Math.max(Math.abs(nhwc.min()), Math.abs(nhwc.max()));
        java.util.Random random = new java.util.Random(7);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int ch = 0; ch < c; ch++) {
                    in[(ch * h + y) * w + x] = nhwc.input()[(y * w + x) * c + ch];
                    rel[(ch * h + y) * w + x] = (float) (nhwc.relevance()[(y * w + x) * c + ch]
                            + noise * scale * random.nextGaussian());
                }
            }
        }
        return message(nhwc.modelId(), nhwc.method(), engine, nhwc.eventId(), new long[]{1, c, h, w}, "NCHW", in, rel,
                nhwc.targetLabel(), nhwc.target());
    }
}
