package io.signstream.engine.backend;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.signstream.engine.graph.ConvSpec;

/**
 * The PyTorch backend: convolution and its transpose come straight from libtorch through DJL's NDArray
 * internals. Asymmetric padding, which libtorch's convolution lacks, is applied as an explicit pad first.
 */
public final class PyTorchBackend implements Backend {

    private final Engine engine;
    private final Device device;
    private final NDManager root;

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
        NDArray input = spec.symmetricPadding() ? x : padSpatial(x, spec);
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
     * so the transpose runs as a convolution of the up-sampled signal with the flipped kernel.
     */
    @Override
    public NDArray convTranspose(NDArray g, NDArray w, ConvSpec spec, Shape inputShape) {
        return TransposedConvolution.apply(this, g, w, spec, inputShape);
    }

    private NDArray padSpatial(NDArray x, ConvSpec spec) {
        int rank = x.getShape().dimension();
        long[] begin = new long[rank];
        long[] end = new long[rank];
        for (int i = 0; i < spec.spatialRank(); i++) {
            begin[2 + i] = spec.padBegin()[i];
            end[2 + i] = spec.padEnd()[i];
        }
        return pad(x, begin, end, 0f);
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
