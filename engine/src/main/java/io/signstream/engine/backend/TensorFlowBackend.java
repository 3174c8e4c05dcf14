package io.signstream.engine.backend;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.tensorflow.engine.TfRawOp;
import ai.djl.tensorflow.engine.TfSyncContext;
import io.signstream.engine.graph.ConvSpec;
import io.signstream.engine.graph.PoolSpec;

/**
 * The TensorFlow backend. DJL's TensorFlow NDArray API leaves convolution unimplemented and has no autograd, so
 * convolution, its transpose and padding run as raw TensorFlow ops executed eagerly (see {@link TfRawOp} and
 * {@link TensorFlowConvolution}).
 *
 * <p>Arrays stay channels first like everywhere else in SignStream; the NHWC transposes of the signal happen
 * inside each convolution call, because TensorFlow's CPU convolution kernels only accept NHWC. Filters are
 * rearranged into TensorFlow's layout once per weight array and kept ({@link DerivedWeights}); a stride-1
 * transpose runs as a plain Conv2D with the rotated kernel, also kept. The max-pool gradient runs on TensorFlow's
 * own kernel without any transpose ({@link TensorFlowPooling}), the ReLU gradient as one ReluGrad.
 *
 * <p>Opening the backend switches DJL's TensorFlow engine to a synchronous eager context ({@link TfSyncContext}):
 * with DJL's default asynchronous one, a single failing op would make every later TensorFlow op of the process
 * fail. Open the backend before creating any TensorFlow array elsewhere.
 */
final class TensorFlowBackend implements Backend {

    private final Device device;
    private final NDManager root;
    /** Kernels in TensorFlow's filter layout, one per weight array (see {@link DerivedWeights}). */
    private final DerivedWeights filters = new DerivedWeights();
    /** Rotated kernels for transposes that run as a plain convolution (TensorFlowConvolution.flippedGeometry). */
    private final DerivedWeights flippedFilters = new DerivedWeights();

    TensorFlowBackend(Device device) {
        // Must precede the first touch of the engine, or DJL tries to download the natives.
        TensorFlowNatives.ensureLibraryPath();
        // DJL's async eager context turns one failing op into a failure of every later op of the process.
        TfSyncContext.install();
        this.device = device;
        this.root = Engine.getEngine(EngineKind.TENSORFLOW.djlName()).newBaseManager(device);
    }

    @Override
    public EngineKind kind() {
        return EngineKind.TENSORFLOW;
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
        return TensorFlowConvolution.conv(x, w, bias, spec, filters);
    }

    @Override
    public NDArray convTranspose(NDArray g, NDArray w, ConvSpec spec, Shape inputShape) {
        return TensorFlowConvolution.convTranspose(g, w, spec, inputShape, filters, flippedFilters);
    }

    // No maxPool override: TensorFlow's MaxPool on the one-channel-image view (TensorFlowPooling) made the forward
    // pass of digits_cnn/64 and small_vgg/32 slower than exec.Pooling's reshape-and-max (6.0-6.5 against 7.4-8.1 ms,
    // 24-39 against 31-39 ms; same process pairs, 2026-12-02), and so did one Reshape plus a Max over the two window
    // axes (forward 2.6 against 2.25 ms and 19-21 against 17-18.5 ms, quiet machine, 16:17 UTC): TensorFlow reduces
    // over strided inner axes slowly. Only the backward step runs natively.

    /** TensorFlow's MaxPoolGrad (first maximum of each window), same view. */
    @Override
    public NDArray maxPoolBackward(NDArray x, PoolSpec spec, NDArray upstream) {
        return TensorFlowPooling.maxPoolBackward(x, null, spec, upstream);
    }

    /**
     * As above, without pooling x again: MaxPoolGrad takes the forward's pooled values as an input. Tiled 2-D windows
     * go to the engine's own kernel instead ({@link TiledMaxPoolGradient#nativeKernel}): MaxPoolGrad on one-channel
     * images was a sixth of digits_cnn's gradient map.
     */
    @Override
    public NDArray maxPoolBackward(NDArray x, NDArray pooled, PoolSpec spec, NDArray upstream) {
        if (TiledMaxPoolGradient.applies(spec, x.getShape())
                && TiledMaxPoolGradient.inNativeKernel(x, spec, upstream)) {
            return TiledMaxPoolGradient.nativeKernel(x, spec, upstream);
        }
        return TensorFlowPooling.maxPoolBackward(x, pooled, spec, upstream);
    }

    /** TensorFlow's ReluGrad: g ⊙ [y > 0] in one op instead of three (it takes the ReLU's output as its features). */
    @Override
    public NDArray reluBackward(NDArray g, NDArray y) {
        return TfRawOp.of(g.getManager(), "ReluGrad").input(g).input(y).run();
    }

    /** One PadV2 op instead of the default's concatenations. */
    @Override
    public NDArray pad(NDArray x, long[] begin, long[] end, float value) {
        return TensorFlowConvolution.pad(x, begin, end, value);
    }

    /** SelectV2 (the broadcasting select): DJL's TensorFlow engine leaves {@code where} unimplemented. */
    @Override
    public NDArray where(NDArray condition, NDArray a, NDArray b) {
        NDArray mask = condition.getDataType() == DataType.BOOLEAN ? condition
                : condition.toType(DataType.BOOLEAN, false);
        return TfRawOp.of(a.getManager(), "SelectV2").input(mask).input(a).input(b).run();
    }

    @Override
    public void close() {
        root.close();
    }
}
