package io.signstream.engine.keras;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.signstream.engine.graph.Weights;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * An independent forward pass of a {@link TinyKeras} model in Keras' own terms: channels-last tensors, (k..., in,
 * out) kernels, TensorFlow's 'same' padding, row-major Flatten of (spatial..., C), in double precision with plain
 * loops. It shares no code with the importer, so an importer that converts a layout or a padding wrongly disagrees
 * with it. It also draws the model's weights (seeded) the first time it meets a layer.
 */
final class KerasReference {

    /** One sample: Keras shape without the batch axis, values in C order. */
    record T(long[] shape, double[] v) {
        int size() {
            return v.length;
        }

        long channels() {
            return shape[shape.length - 1];
        }
    }

    private final TinyKeras model;
    private final Map<String, List<Weights>> weights;
    private final SplittableRandom random;

    KerasReference(TinyKeras model, Map<String, List<Weights>> weights, long seed) {
        this.model = model;
        this.weights = weights;
        this.random = new SplittableRandom(seed);
    }

    /** Draws every layer's weights by running a zero input once. */
    static Map<String, List<Weights>> drawWeights(TinyKeras model, long seed) {
        Map<String, List<Weights>> w = new HashMap<>();
        KerasReference r = new KerasReference(model, w, seed);
        long n = Arrays.stream(model.inputShape()).reduce(1, (a, b) -> a * b);
        r.forward(new double[(int) n]);
        return w;
    }

    /** The model's logits for one sample (a softmax on the output layer is left out, as the importer does). */
    double[] forward(double[] x) {
        Map<String, T> out = new HashMap<>();
        out.put(model.inputName(), new T(model.inputShape(), x));
        TinyKeras.LayerSpec last = null;
        for (TinyKeras.LayerSpec l : model.layers()) {
            List<T> ins = l.inbound().stream().map(out::get).toList();
            out.put(l.name(), layer(l, ins, l == model.layers().get(model.layers().size() - 1)));
            last = l;
        }
        return out.get(last.name()).v();
    }

    private T layer(TinyKeras.LayerSpec l, List<T> ins, boolean isOutput) {
        JsonObject c = l.config();
        T x = ins.get(0);
        return switch (l.className()) {
            case "Dense" -> act(dense(l, x), c, isOutput);
            case "Conv1D", "Conv2D" -> act(conv(l, x), c, isOutput);
            case "BatchNormalization" -> batchNorm(l, x);
            case "MaxPooling1D", "MaxPooling2D" -> pool(x, c, true);
            case "AveragePooling1D", "AveragePooling2D" -> pool(x, c, false);
            case "GlobalAveragePooling1D", "GlobalAveragePooling2D" -> globalPool(x, false);
            case "GlobalMaxPooling1D", "GlobalMaxPooling2D" -> globalPool(x, true);
            case "ZeroPadding1D", "ZeroPadding2D" -> zeroPad(x, c);
            case "Flatten" -> new T(new long[] {x.size()}, x.v());
            case "Reshape" -> new T(TinyKeras.longs(c.getAsJsonArray("target_shape")), x.v());
            case "Add" -> add(ins);
            case "Concatenate" -> concat(ins, c.has("axis") ? c.get("axis").getAsInt() : -1);
            case "Dropout", "SpatialDropout2D", "GaussianNoise" -> x;
            case "Activation" -> act(x, c, isOutput);
            default -> throw new IllegalArgumentException("reference has no " + l.className());
        };
    }

    private T act(T x, JsonObject c, boolean isOutput) {
        String a = c.has("activation") ? c.get("activation").getAsString() : "linear";
        double[] v = x.v().clone();
        for (int i = 0; i < v.length; i++) {
            v[i] = switch (a) {
                case "relu" -> Math.max(v[i], 0);
                case "sigmoid" -> 1 / (1 + Math.exp(-v[i]));
                case "tanh" -> Math.tanh(v[i]);
                case "linear" -> v[i];
                case "softmax" -> {
                    if (!isOutput) {
                        throw new IllegalArgumentException("softmax inside");
                    }
                    yield v[i]; // logits
                }
                default -> throw new IllegalArgumentException(a);
            };
        }
        return new T(x.shape(), v);
    }

    private T dense(TinyKeras.LayerSpec l, T x) {
        int units = l.config().get("units").getAsInt();
        List<Weights> w = weights(l, withBias(l, new long[] {x.size(), units}, units));
        float[] k = w.get(0).data();
        double[] out = new double[units];
        for (int j = 0; j < units; j++) {
            double z = w.size() > 1 ? w.get(1).data()[j] : 0;
            for (int i = 0; i < x.size(); i++) {
                z += x.v()[i] * k[i * units + j];
            }
            out[j] = z;
        }
        return new T(new long[] {units}, out);
    }

    /** 1-D or 2-D convolution, channels last, with groups; out(o, f) = b(f) + Σ x(o·s + k·d − pad, c)·K(k, c, f). */
    private T conv(TinyKeras.LayerSpec l, T x) {
        JsonObject c = l.config();
        int r = x.shape().length - 1;
        int filters = c.get("filters").getAsInt();
        int groups = c.has("groups") ? c.get("groups").getAsInt() : 1;
        int[] k = ints(c.get("kernel_size"), r, 1);
        int[] s = ints(c.get("strides"), r, 1);
        int[] d = ints(c.get("dilation_rate"), r, 1);
        long cin = x.channels();
        long[] kshape = new long[r + 2];
        for (int i = 0; i < r; i++) {
            kshape[i] = k[i];
        }
        kshape[r] = cin / groups;
        kshape[r + 1] = filters;
        List<Weights> w = weights(l, withBias(l, kshape, filters));
        int[][] pad = pads(x, k, s, d, c.get("padding").getAsString());
        long[] outShape = outShape(x, k, s, d, pad, filters);
        double[] out = new double[(int) prod(outShape)];
        long cinG = cin / groups;
        long foutG = filters / groups;
        int[] o = new int[r];
        int[] kk = new int[r];
        for (int flat = 0; flat < out.length / filters; flat++) {
            unravel(flat, outShape, r, o);
            for (int f = 0; f < filters; f++) {
                int g = (int) (f / foutG);
                double z = w.size() > 1 ? w.get(1).data()[f] : 0;
                for (int kflat = 0; kflat < prod(Arrays.copyOf(kshape, r)); kflat++) {
                    unravel(kflat, kshape, r, kk);
                    long inIndex = 0;
                    boolean inside = true;
                    for (int a = 0; a < r; a++) {
                        long p = (long) o[a] * s[a] + (long) kk[a] * d[a] - pad[a][0];
                        inside &= p >= 0 && p < x.shape()[a];
                        inIndex = inIndex * x.shape()[a] + p;
                    }
                    if (!inside) {
                        continue;
                    }
                    for (long ci = 0; ci < cinG; ci++) {
                        long channel = g * cinG + ci;
                        long kIndex = ((kflat * cinG) + ci) * filters + f;
                        z += x.v()[(int) (inIndex * cin + channel)] * w.get(0).data()[(int) kIndex];
                    }
                }
                out[flat * filters + f] = z;
            }
        }
        return new T(outShape, out);
    }

    private T pool(T x, JsonObject c, boolean max) {
        int r = x.shape().length - 1;
        int[] k = ints(c.get("pool_size"), r, 2);
        int[] s = c.has("strides") && !c.get("strides").isJsonNull() ? ints(c.get("strides"), r, 1) : k;
        int[] d = new int[r];
        Arrays.fill(d, 1);
        int[][] pad = pads(x, k, s, d, c.has("padding") ? c.get("padding").getAsString() : "valid");
        long ch = x.channels();
        long[] outShape = outShape(x, k, s, d, pad, ch);
        double[] out = new double[(int) prod(outShape)];
        int[] o = new int[r];
        int[] kk = new int[r];
        long[] kshape = Arrays.copyOf(Arrays.stream(k).asLongStream().toArray(), r);
        for (int flat = 0; flat < out.length / ch; flat++) {
            unravel(flat, outShape, r, o);
            for (int f = 0; f < ch; f++) {
                double acc = max ? Double.NEGATIVE_INFINITY : 0;
                int count = 0;
                for (int kflat = 0; kflat < prod(kshape); kflat++) {
                    unravel(kflat, kshape, r, kk);
                    long inIndex = 0;
                    boolean inside = true;
                    for (int a = 0; a < r; a++) {
                        long p = (long) o[a] * s[a] + kk[a] - pad[a][0];
                        inside &= p >= 0 && p < x.shape()[a];
                        inIndex = inIndex * x.shape()[a] + p;
                    }
                    if (inside) {
                        double v = x.v()[(int) (inIndex * ch + f)];
                        acc = max ? Math.max(acc, v) : acc + v;
                        count++;
                    }
                }
                out[(int) (flat * ch + f)] = max ? acc : acc / count; // TF: padding taps do not count
            }
        }
        return new T(outShape, out);
    }

    private T globalPool(T x, boolean max) {
        int ch = (int) x.channels();
        int positions = x.size() / ch;
        double[] out = new double[ch];
        for (int f = 0; f < ch; f++) {
            double acc = max ? Double.NEGATIVE_INFINITY : 0;
            for (int p = 0; p < positions; p++) {
                double v = x.v()[p * ch + f];
                acc = max ? Math.max(acc, v) : acc + v;
            }
            out[f] = max ? acc : acc / positions;
        }
        return new T(new long[] {ch}, out);
    }

    private T batchNorm(TinyKeras.LayerSpec l, T x) {
        int ch = (int) x.channels();
        List<Weights> w = weights(l, List.of(new long[] {ch}, new long[] {ch}, new long[] {ch}, new long[] {ch}));
        double eps = l.config().has("epsilon") ? l.config().get("epsilon").getAsDouble() : 1e-3;
        double[] out = new double[x.size()];
        for (int i = 0; i < out.length; i++) {
            int f = i % ch;
            out[i] = (x.v()[i] - w.get(2).data()[f]) / Math.sqrt(w.get(3).data()[f] + eps) * w.get(0).data()[f]
                    + w.get(1).data()[f];
        }
        return new T(x.shape(), out);
    }

    private T zeroPad(T x, JsonObject c) {
        int r = x.shape().length - 1;
        int[][] pad = new int[r][2];
        JsonArray p = c.getAsJsonArray("padding");
        for (int a = 0; a < r; a++) {
            JsonElement e = r == 1 ? p : p.get(a);
            pad[a][0] = e.getAsJsonArray().get(0).getAsInt();
            pad[a][1] = e.getAsJsonArray().get(1).getAsInt();
        }
        long[] outShape = x.shape().clone();
        for (int a = 0; a < r; a++) {
            outShape[a] += pad[a][0] + pad[a][1];
        }
        double[] out = new double[(int) prod(outShape)];
        long ch = x.channels();
        int[] i = new int[r];
        for (int flat = 0; flat < x.size() / ch; flat++) {
            unravel(flat, x.shape(), r, i);
            long o = 0;
            for (int a = 0; a < r; a++) {
                o = o * outShape[a] + i[a] + pad[a][0];
            }
            for (int f = 0; f < ch; f++) {
                out[(int) (o * ch + f)] = x.v()[(int) (flat * ch + f)];
            }
        }
        return new T(outShape, out);
    }

    private static T add(List<T> ins) {
        double[] out = ins.get(0).v().clone();
        for (int k = 1; k < ins.size(); k++) {
            for (int i = 0; i < out.length; i++) {
                out[i] += ins.get(k).v()[i];
            }
        }
        return new T(ins.get(0).shape(), out);
    }

    /** Concatenation along a Keras axis (batch = 0) of C-ordered samples: outer blocks, then the axis. */
    private static T concat(List<T> ins, int axis) {
        int rank = ins.get(0).shape().length;
        int a = (axis < 0 ? axis + rank + 1 : axis) - 1;
        long outer = 1;
        for (int i = 0; i < a; i++) {
            outer *= ins.get(0).shape()[i];
        }
        long[] outShape = ins.get(0).shape().clone();
        outShape[a] = ins.stream().mapToLong(t -> t.shape()[a]).sum();
        List<Double> out = new ArrayList<>();
        for (long o = 0; o < outer; o++) {
            for (T t : ins) {
                int block = (int) (t.size() / outer);
                for (int j = 0; j < block; j++) {
                    out.add(t.v()[(int) (o * block + j)]);
                }
            }
        }
        return new T(outShape, out.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** TensorFlow's padding, written out from its documentation: out = ⌈in/s⌉, the odd pixel at the end. */
    private static int[][] pads(T x, int[] k, int[] s, int[] d, String mode) {
        int r = k.length;
        int[][] p = new int[r][2];
        for (int a = 0; a < r; a++) {
            long in = x.shape()[a];
            long eff = (long) (k[a] - 1) * d[a] + 1;
            if (mode.equals("same")) {
                long out = (in + s[a] - 1) / s[a];
                long total = Math.max(0, (out - 1) * s[a] + eff - in);
                p[a][0] = (int) (total / 2);
                p[a][1] = (int) (total - total / 2);
            } else if (mode.equals("causal")) {
                p[a][0] = (int) (eff - 1);
            }
        }
        return p;
    }

    private static long[] outShape(T x, int[] k, int[] s, int[] d, int[][] pad, long channels) {
        int r = k.length;
        long[] out = new long[r + 1];
        for (int a = 0; a < r; a++) {
            long eff = (long) (k[a] - 1) * d[a] + 1;
            out[a] = (x.shape()[a] + pad[a][0] + pad[a][1] - eff) / s[a] + 1;
        }
        out[r] = channels;
        return out;
    }

    private List<Weights> weights(TinyKeras.LayerSpec l, List<long[]> shapes) {
        return weights.computeIfAbsent(l.name(), n -> {
            List<Weights> w = new ArrayList<>();
            long fanIn = shapes.get(0).length > 1 ? prod(shapes.get(0)) / shapes.get(0)[shapes.get(0).length - 1]
                    : 4;
            for (int i = 0; i < shapes.size(); i++) {
                float[] v = new float[(int) prod(shapes.get(i))];
                for (int j = 0; j < v.length; j++) {
                    double u = random.nextDouble(-1, 1);
                    // kernels ±√(3/fan_in); biases and BN shift/mean small; BN scale and variance positive
                    v[j] = (float) (l.className().equals("BatchNormalization")
                            ? (i == 0 || i == 3 ? 1 + 0.5 * u : 0.2 * u)
                            : i == 0 ? u * Math.sqrt(3.0 / fanIn) : 0.1 * u);
                }
                w.add(new Weights(v, shapes.get(i)));
            }
            return w;
        });
    }

    /** The kernel shape, and the bias shape unless the config says use_bias: false. */
    private static List<long[]> withBias(TinyKeras.LayerSpec l, long[] kernel, long out) {
        boolean useBias = !l.config().has("use_bias") || l.config().get("use_bias").getAsBoolean();
        return useBias ? List.of(kernel, new long[] {out}) : List.<long[]>of(kernel);
    }

    private static int[] ints(JsonElement e, int r, int fallback) {
        int[] out = new int[r];
        if (e == null || e.isJsonNull()) {
            Arrays.fill(out, fallback);
        } else if (e.isJsonPrimitive()) {
            Arrays.fill(out, e.getAsInt());
        } else {
            for (int i = 0; i < r; i++) {
                out[i] = e.getAsJsonArray().get(i).getAsInt();
            }
        }
        return out;
    }

    private static void unravel(long flat, long[] shape, int r, int[] out) {
        for (int a = r - 1; a >= 0; a--) {
            out[a] = (int) (flat % shape[a]);
            flat /= shape[a];
        }
    }

    static long prod(long[] s) {
        long p = 1;
        for (long v : s) {
            p *= v;
        }
        return p;
    }
}
