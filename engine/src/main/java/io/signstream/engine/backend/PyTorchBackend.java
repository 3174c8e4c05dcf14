package io.signstream.engine.backend;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.signstream.engine.graph.ConvSpec;
import io.signstream.engine.graph.PoolSpec;

/**
 * The PyTorch backend: convolution and its transpose come straight from libtorch through DJL's NDArray
 * internals. Asymmetric padding, which libtorch's convolution lacks, is applied as an explicit pad first.
 */
public final class PyTorchBackend implements Backend {

    private final Engine engine;
    private final Device device;
    private final NDManager root;
    /** Flipped, transposed kernels for {@link #convTranspose}, one per weight array. */
    private final DerivedWeights flipped = new DerivedWeights();
    /** Phase kernels for strided {@link #convTranspose}, one per weight array. */
    private final DerivedWeights phaseKernels = new DerivedWeights();
    /** Column matrices for {@link ColumnTransposedConvolution}, one per weight array. */
    private final DerivedWeights columnKernels = new DerivedWeights();

    public PyTorchBackend(Device device) {
        this.engine = Engine.getEngine(EngineKind.PYTORCH.djlName());
        this.device = device;
        this.root = engine.newBaseManager(device);
    }

    @Override
    public EngineKind kind() {
        return EngineKind.PYTORCH;
    }

    @Override
    public String device() {
        return device.toString();
    }

    @Override
    public NDManager newManager() {
        return root.newSubManager();
    }

    @Override
    public NDArray conv(NDArray x, NDArray w, NDArray bias, ConvSpec spec) {
        NDArray input = spec.symmetricPadding() ? x : padSpatial(x, spec.padBegin(), spec.padEnd(), 0f);
        if (spec.groups() > 1) {
            // libtorch 2.2.2's CPU grouped convolution with more output than input channels per group (a Keras
            // DepthwiseConv2D with depth_multiplier 2) is wrong on a channels-last-strided input, e.g. the NHWC →
            // NCHW transpose of a Keras model: a flat round trip makes it contiguous.
            input = input.reshape(-1).reshape(input.getShape());
        }
        long[] pads = spec.symmetricPadding() ? toLong(spec.padBegin()) : new long[spec.spatialRank()];
        return input.getNDArrayInternal()
                .convolution(input, w, bias, new Shape(toLong(spec.strides())), new Shape(pads),
                        new Shape(toLong(spec.dilations())), spec.groups())
                .singletonOrThrow();
    }

    /**
     * DJL 0.28's PyTorch engine has no transposed convolution ({@code deconvolution} throws "Not implemented"),
     * so the transpose runs as an ordinary convolution: with the flipped kernel for stride 1, with the phase
     * kernels of {@link PhaseTransposedConvolution} for larger strides, and of the zero-inserted signal
     * ({@link TransposedConvolution}) where neither applies (dilation, padding beyond the kernel).
     */
    @Override
    public NDArray convTranspose(NDArray g, NDArray w, ConvSpec spec, Shape inputShape) {
        if (ColumnTransposedConvolution.applies(w.getShape(), spec)) {
            // a first layer's transpose to one to four channels: a matrix product beats oneDNN's convolution there
            return ColumnTransposedConvolution.apply(g, columnKernels.get(w, ColumnTransposedConvolution::columnKernel),
                    w.getShape(), spec, inputShape);
        }
        int[] pads = TransposedConvolution.symmetricPadding(w.getShape(), spec, g.getShape(), inputShape);
        if (pads != null) {
            // stride 1 with equal padding on both sides: one libtorch convolution, no padded copy of the signal
            int k = spec.spatialRank();
            int[] ones = new int[k];
            java.util.Arrays.fill(ones, 1);
            return conv(g, flippedKernel(w, spec), null, new ConvSpec(ones, pads, pads, spec.dilations(),
                    spec.groups()));
        }
        PhaseTransposedConvolution.Plan plan =
                PhaseTransposedConvolution.Plan.of(w.getShape(), spec, g.getShape(), inputShape);
        if (plan != null) {
            NDArray kernel = phaseKernels.get(w, a -> PhaseTransposedConvolution.phaseKernel(this, a, spec.groups(),
                    plan));
            if (!kernel.getShape().equals(PhaseTransposedConvolution.kernelShape(w.getShape(), spec.groups(),
                    plan))) {
                // the same weight array under another stride (never in a model): derive it for this call only
                kernel = PhaseTransposedConvolution.phaseKernel(this, w, spec.groups(), plan);
            }
            return PhaseTransposedConvolution.apply(this, g, kernel, spec.groups(), plan, inputShape);
        }
        return TransposedConvolution.apply(this, g, w, flippedKernel(w, spec), spec, inputShape);
    }

    private NDArray flippedKernel(NDArray w, ConvSpec spec) {
        return flipped.get(w, a -> TransposedConvolution.flippedTransposedKernel(a, spec.groups()));
    }

    /**
     * The maximum of strided views ({@link StridedMaxPool}) wherever every window holds an input value; null (the
     * shared formulation of {@code exec.Pooling}) otherwise. libtorch's own max_pool is slower (1.2–6× on the fixtures'
     * 2×2 pooling and ResNet's 3×3/2, see {@link StridedMaxPool}).
     */
    @Override
    public NDArray maxPool(NDArray x, PoolSpec spec) {
        return StridedMaxPool.applies(spec, x.getShape()) ? StridedMaxPool.forward(this, x, spec) : null;
    }

    /**
     * libtorch's max-pool gradient where libtorch pools this geometry (symmetric padding of at most half the
     * window), else {@link StridedMaxPool}'s, else null. libtorch's CPU kernel keeps the first maximum of a window (a
     * later value must be strictly greater to win, NaN aside), as {@code exec.Pooling} does. It runs through
     * libtorch's autograd for this one op, which pools again with its own kernel: grad mode is switched on for the
     * calling thread only (libtorch keeps it per thread) around a detached copy of x, so no DJL gradient collector and
     * no process-wide lock is involved. The strided-view backward matched it on large inputs (ResNet-18) and lost on
     * the fixtures' small ones, where its two dozen ops per pooling cost more than they save (same-process A/B).
     */
    @Override
    public NDArray maxPoolBackward(NDArray x, PoolSpec spec, NDArray upstream) {
        if (!nativePool(spec)) {
            return StridedMaxPool.applies(spec, x.getShape()) ? StridedMaxPool.backward(this, x, spec, upstream)
                    : null;
        }
        boolean previous = JniUtils.isGradMode();
        JniUtils.setGradMode(true);
        try (NDManager scope = x.getManager().newSubManager()) {
            PtNDArray leaf = JniUtils.detachGradient((PtNDArray) x);
            leaf.attach(scope);
            JniUtils.attachGradient(leaf, true);
            PtNDArray pooled = (PtNDArray) leaf.getNDArrayInternal().maxPool(new Shape(toLong(spec.kernel())),
                    new Shape(toLong(spec.strides())), new Shape(toLong(spec.padBegin())), false);
            pooled.attach(scope);
            JniUtils.backward(pooled, (PtNDArray) upstream, false, false);
            PtNDArray grad = JniUtils.getGradient(leaf);
            grad.attach(upstream.getManager());
            return grad;
        } finally {
            JniUtils.setGradMode(previous);
        }
    }

    /**
     * {@link TiledMaxPoolGradient} from the forward's maxima where the windows are tiles (2–3.5× faster than
     * libtorch's autograd gradient), else as {@link #maxPoolBackward(NDArray, PoolSpec, NDArray)}.
     */
    @Override
    public NDArray maxPoolBackward(NDArray x, NDArray pooled, PoolSpec spec, NDArray upstream) {
        return TiledMaxPoolGradient.applies(spec, x.getShape())
                ? TiledMaxPoolGradient.backward(x, pooled, spec, upstream)
                : maxPoolBackward(x, spec, upstream);
    }

    /**
     * g ⊙ sign(y): the ReLU's output y is ≥ 0, so its sign is the mask [y > 0], and libtorch's sign and product are
     * vectorised kernels where its comparisons with a boolean result are not (digits_cnn's ReLU sizes, standard-normal
     * values: 13 against 48 µs on (64, 8, 8, 8)). Same process against g ⊙ [y > 0] on the fixtures' own images: the
     * gradient map's time new/base 0.93–0.96 on digits_cnn/64 and small_vgg/32 (benchmarks/README.md, 2026-12-03).
     * Where y is NaN the signal becomes NaN instead of 0; the model's output is NaN there anyway.
     */
    @Override
    public NDArray reluBackward(NDArray g, NDArray y) {
        return g.mul(y.sign());
    }

    /**
     * sign(sign(z) + ½): sign(z) + ½ is −½, ½ or 1½ (−0 counts as 0), so exact. libtorch's sign and sum are
     * vectorised kernels where its comparison with a boolean result and the conversion to float are not: 147
     * against 237 µs on (64, 8, 16, 16), 10.1 against 13.5 ms on (2, 64, 224, 224), one core; LRP-ε maps on
     * digits_cnn/64 7 % faster, same process (benchmarks/README.md, 2026-12-03). TensorFlow's comparison is the
     * faster one there, so it keeps the default.
     */
    @Override
    public NDArray signPlus(NDArray z) {
        return z.sign().add(0.5f).sign();
    }

    /** value − |sign(b)|·value, exactly 0 or value, in vectorised kernels (see {@link #signPlus}). */
    @Override
    public NDArray valueWhereZero(NDArray b, float value) {
        return b.sign().abs().mul(-value).add(value);
    }

    private static boolean nativePool(PoolSpec spec) {
        for (int i = 0; i < spec.spatialRank(); i++) {
            if (spec.padBegin()[i] != spec.padEnd()[i] || 2 * spec.padBegin()[i] > spec.kernel()[i]) {
                return false;
            }
        }
        return spec.spatialRank() <= 3;
    }

    static long[] toLong(int[] values) {
        long[] out = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    @Override
    public void close() {
        root.close();
    }
}
