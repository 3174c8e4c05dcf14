package io.signstream.engine.savedmodel;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.graph.ConvSpec;
import io.signstream.engine.graph.Layer;
import java.util.Arrays;
import java.util.Map;

/**
 * Ops with a kernel: {@code MatMul} → dense, {@code Conv2D} and {@code DepthwiseConv2dNative} → conv2d. Kernels
 * are converted to the graph's conventions: dense weights (out, in), convolution weights OIHW from TensorFlow's
 * HWIO; the convolution reads its input channels first (see {@link GraphBuilder#channelsFirst}). Biases arrive as
 * separate {@code BiasAdd}/{@code Add} ops and are folded in later ({@link BiasFolding}).
 */
final class KernelOps {

    private KernelOps() {
    }

    static void register(Map<String, OpRule> rules) {
        rules.put("MatMul", KernelOps::matMul);
        rules.put("Conv2D", (op, s) -> conv(op, s, false));
        rules.put("DepthwiseConv2dNative", (op, s) -> conv(op, s, true));
    }

    private static TfValue matMul(TfOp op, ImportState s) throws ExplainException {
        TfTensor x = s.tensor(op, 0);
        TfConstant w = s.constant(op, 1);
        if (s.boolAttr(op, "transpose_a", false)) {
            throw s.unsupported(op, "transposes its input (transpose_a); only x·W with x of shape (N, features) "
                    + "is supported");
        }
        if (x.rank() != 2 || w.rank() != 2) {
            throw s.unsupported(op, "multiplies shapes " + x.describe() + " and " + Arrays.toString(
                    w.shape()) + "; only (N, features) · (features, units) is supported");
        }
        boolean transposed = s.boolAttr(op, "transpose_b", false);
        // The graph's dense weight is (out, in); TensorFlow's is (in, out) unless transpose_b says it is stored so.
        TfConstant weight = transposed ? w : ConstantMath.transpose(w, new int[] {1, 0});
        if (weight.shape()[1] != x.shape()[1]) {
            throw s.corrupt(op, "multiplies " + x.describe() + " by a kernel for " + weight.shape()[1] + " features");
        }
        String node = s.builder().add(op.id(), new Layer.Dense(weight.weights(), null), x.node());
        return new TfTensor(node, new long[] {-1, weight.shape()[0]}, false);
    }

    /**
     * {@code Conv2D(x, filter[kh, kw, in, out])}, or depthwise with {@code filter[kh, kw, in, multiplier]}: one
     * group per input channel, output channel {@code i·multiplier + m}.
     */
    private static TfValue conv(TfOp op, ImportState s, boolean depthwise) throws ExplainException {
        TfTensor x = s.tensor(op, 0);
        TfConstant f = s.constant(op, 1);
        if (!s.stringAttr(op, "data_format", "NHWC").equals("NHWC")) {
            throw s.unsupported(op, "uses data_format " + s.stringAttr(op, "data_format", "") + "; only NHWC is "
                    + "supported (TensorFlow's CPU kernels need it as well)");
        }
        if (x.rank() != 4 || f.rank() != 4) {
            throw s.unsupported(op, "convolves a tensor " + x.describe() + " with a kernel of rank " + f.rank()
                    + "; expected (N, H, W, C) and (kh, kw, in, out)");
        }
        long channels = x.shape()[3];
        long kin = f.shape()[2];
        if (kin == 0 || channels % kin != 0 || (depthwise && kin != channels)) {
            throw s.corrupt(op, "has a kernel for " + kin + " input channels on a tensor with " + channels);
        }
        int groups = depthwise ? (int) channels : (int) (channels / kin);
        // HWIO → OIHW. Depthwise: (kh, kw, C, M) → (C·M, 1, kh, kw), which transposing to (C, M, kh, kw) gives
        // in exactly that order.
        TfConstant oihw = ConstantMath.transpose(f, depthwise ? new int[] {2, 3, 0, 1} : new int[] {3, 2, 0, 1});
        long outChannels = depthwise ? kin * f.shape()[3] : f.shape()[3];
        long[] weightShape = depthwise ? new long[] {outChannels, 1, f.shape()[0], f.shape()[1]} : oihw.shape();
        int[] kernel = {(int) f.shape()[0], (int) f.shape()[1]};
        int[] strides = TfPadding.spatial(op, s, "strides", 4, 1);
        int[] dilations = TfPadding.spatial(op, s, "dilations", 4, 1);
        TfPadding pad = TfPadding.of(op, s, new long[] {x.shape()[1], x.shape()[2]}, kernel, strides, dilations);
        ConvSpec spec = new ConvSpec(strides, pad.begin(), pad.end(), dilations, groups);
        TfTensor in = s.builder().channelsFirst(x);
        String node = s.builder().add(op.id(), new Layer.Conv(oihw.weights(weightShape), null, spec), in.node());
        return new TfTensor(node, new long[] {-1, pad.out()[0], pad.out()[1], outChannels}, true);
    }
}
