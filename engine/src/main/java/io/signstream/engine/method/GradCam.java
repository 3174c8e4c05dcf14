package io.signstream.engine.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.signstream.engine.api.ExplainException;
import io.signstream.engine.exec.Activations;
import io.signstream.engine.exec.BoundGraph;
import io.signstream.engine.exec.ForwardPass;
import io.signstream.engine.exec.GradientPropagation;
import io.signstream.engine.exec.ReversePass;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.Node;
import java.util.Map;
import java.util.Set;

/**
 * Grad-CAM (METHODS.md §2.3 with defect D7 fixed): A = output of the chosen layer (by default the first activation
 * after the last convolution through BatchNorm, Add and Concat, {@link Graph#defaultGradCamLayer()}),
 * w_k = mean of ∂f_c/∂A_k over the spatial (or time) axes, cam = ReLU(Σ_k w_k A_k) / (max + 1e-7), resized to the input.
 */
final class GradCam {

    private static final float EPS = 1e-7f;

    private GradCam() {
    }

    /**
     * 2-D Grad-CAM, resized to the input's H×W and returned in the input's layout with one channel: (N, 1, H, W)
     * for channels-first inputs, (N, H, W, 1) for channels-last ones, (N, H, W) for inputs without a channel
     * axis. Bilinear resize with half-pixel centres (cv2 INTER_LINEAR).
     */
    static NDArray image(BoundGraph model, NDArray x, int[] targets, MethodParams params) throws ExplainException {
        Cams cams = cams(model, x, targets, params, 4);
        long n = x.getShape().get(0);
        long[] shape = x.getShape().getShape().clone();
        boolean channelsLast = model.graph().layout().channelsLast();
        int outH;
        int outW;
        if (shape.length == 3) {
            outH = (int) shape[1];
            outW = (int) shape[2];
        } else if (channelsLast) {
            outH = (int) shape[1];
            outW = (int) shape[2];
            shape[3] = 1;
        } else {
            outH = (int) shape[2];
            outW = (int) shape[3];
            shape[1] = 1;
        }
        int h = cams.shape()[0];
        int w = cams.shape()[1];
        float[] out = new float[(int) (n * outH * outW)];
        for (int i = 0; i < n; i++) {
            bilinear(cams.maps()[i], h, w, out, i * outH * outW, outH, outW);
        }
        return x.getManager().create(out, new Shape(shape));
    }

    /** 1-D Grad-CAM, resampled linearly at linspace(0, T'−1, T) and repeated for every channel: (N, C, T). */
    static NDArray timeSeries(BoundGraph model, NDArray x, int[] targets, MethodParams params)
            throws ExplainException {
        Cams cams = cams(model, x, targets, params, 3);
        long n = x.getShape().get(0);
        int channels = (int) x.getShape().get(1);
        int outT = (int) x.getShape().get(2);
        int t = cams.shape()[0];
        float[] out = new float[(int) (n * channels * outT)];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < outT; j++) {
                double pos = outT == 1 ? 0 : (double) j * (t - 1) / (outT - 1);
                int lo = (int) Math.floor(pos);
                int hi = Math.min(lo + 1, t - 1);
                double frac = pos - lo;
                float v = (float) (cams.maps()[i][lo] * (1 - frac) + cams.maps()[i][hi] * frac);
                for (int c = 0; c < channels; c++) {
                    out[(i * channels + c) * outT + j] = v;
                }
            }
        }
        return x.getManager().create(out, new Shape(n, channels, outT));
    }

    /** Per-sample normalised CAMs at the layer's resolution (shape = the layer's spatial dims). */
    private record Cams(float[][] maps, int[] shape) {
    }

    private static Cams cams(BoundGraph model, NDArray x, int[] targets, MethodParams params,
            int rank) throws ExplainException {
        Node layer = layer(model.graph(), params);
        try (NDManager scope = model.backend().newManager()) {
            NDArray input = x.duplicate();
            input.attach(scope);
            Activations acts = ForwardPass.run(model, input);
            NDArray seed = Seeds.oneHot(scope, targets, acts.output().getShape().get(1));
            Map<String, NDArray> kept = ReversePass.run(model, acts, seed, new GradientPropagation(),
                    Set.of(layer.name()));
            NDArray a = acts.get(layer.name());
            if (a.getShape().dimension() != rank) {
                throw new ExplainException(ExplainException.Kind.BAD_PARAMETER, "Grad-CAM layer '" + layer.name()
                        + "' has output shape " + a.getShape() + "; this method needs a "
                        + (rank == 4 ? "2-D (N, C, H, W)" : "1-D (N, C, T)") + " feature map");
            }
            NDArray grad = kept.getOrDefault(layer.name(), a.zerosLike());
            int[] spatial = rank == 4 ? new int[] {2, 3} : new int[] {2};
            // PyTorch's DJL mean() takes one axis only: sum and divide.
            NDArray weights = grad.sum(spatial, true).div((float) (grad.getShape().size() / (grad.getShape().get(0) * grad.getShape().get(1))));
            NDArray cam = weights.mul(a).sum(new int[] {1}).maximum(0f);
            long n = cam.getShape().get(0);
            long per = cam.getShape().size() / n;
            int[] shape = rank == 4 ? new int[] {(int) cam.getShape().get(1), (int) cam.getShape().get(2)}
                    : new int[] {(int) cam.getShape().get(1)};
            float[] flat = cam.toFloatArray();
            float[][] out = new float[(int) n][(int) per];
            for (int i = 0; i < n; i++) {
                float max = 0f;
                for (int j = 0; j < per; j++) {
                    max = Math.max(max, flat[(int) (i * per + j)]);
                }
                for (int j = 0; j < per; j++) {
                    out[i][j] = flat[(int) (i * per + j)] / (max + EPS);
                }
            }
            return new Cams(out, shape);
        }
    }

    static Node layer(Graph graph, MethodParams params) throws ExplainException {
        var named = params.text("layer_name");
        if (named.isPresent()) {
            return graph.findNode(named.get()).orElseThrow(() -> new ExplainException(
                    ExplainException.Kind.BAD_PARAMETER, "Grad-CAM layer '" + named.get() + "' not found in model "
                            + graph.name() + "; layers: " + String.join(", ",
                                    graph.nodes().stream().map(Node::name).toList())));
        }
        try {
            return graph.defaultGradCamLayer().orElseThrow(() -> new ExplainException(
                    ExplainException.Kind.BAD_PARAMETER, "Grad-CAM needs a convolution layer; model " + graph.name()
                            + " has none (use a gradient or LRP method)"));
        } catch (IllegalStateException e) {
            throw new ExplainException(ExplainException.Kind.BAD_PARAMETER, "Grad-CAM on model " + graph.name()
                    + ": " + e.getMessage());
        }
    }

    /** Bilinear resize with half-pixel centres, clamped at the borders (cv2.INTER_LINEAR, align_corners=False). */
    static void bilinear(float[] src, int h, int w, float[] dst, int offset, int outH, int outW) {
        double sy = (double) h / outH;
        double sx = (double) w / outW;
        for (int y = 0; y < outH; y++) {
            double fy = Math.max(0, (y + 0.5) * sy - 0.5);
            int y0 = Math.min((int) Math.floor(fy), h - 1);
            int y1 = Math.min(y0 + 1, h - 1);
            double ly = fy - y0;
            for (int x = 0; x < outW; x++) {
                double fx = Math.max(0, (x + 0.5) * sx - 0.5);
                int x0 = Math.min((int) Math.floor(fx), w - 1);
                int x1 = Math.min(x0 + 1, w - 1);
                double lx = fx - x0;
                double top = src[y0 * w + x0] * (1 - lx) + src[y0 * w + x1] * lx;
                double bottom = src[y1 * w + x0] * (1 - lx) + src[y1 * w + x1] * lx;
                dst[offset + y * outW + x] = (float) (top * (1 - ly) + bottom * ly);
            }
        }
    }
}
