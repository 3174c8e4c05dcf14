package io.signstream.engine.backend;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.signstream.engine.graph.ConvSpec;
import java.util.Arrays;

/**
 * The transpose of a stride-1 convolution from a single input channel (a grey-scale image's first layer) as a
 * depthwise convolution of each upstream channel with its own flipped kernel, followed by a sum over the channels.
 *
 * <p>The same numbers as the flipped-kernel convolution of {@link TransposedConvolution} up to float summation
 * order, which libtorch runs as one convolution with a single output channel: with oneDNN capped at AVX that is
 * 2.0–2.4× slower than this form (digits_cnn's 8→1 at 64×16×16: 450 µs against 240 µs; 32→1 and 64→1 alike, 2-D
 * and batch 4 to 64, same-process measurements). With three output channels (RGB) the depthwise form needs one
 * such convolution per channel and loses, so it is kept to one.
 */
final class DepthwiseTransposedConvolution {

    private DepthwiseTransposedConvolution() {
    }

    /** Whether w (Cout, Cin/g, k...) reads a single input channel, the case this form covers. */
    static boolean applies(Shape wShape, ConvSpec spec) {
        return spec.groups() == 1 && wShape.get(1) == 1;
    }

    /**
     * g (N, Cout, out...) → (N, 1, in...), for a stride-1 transpose with {@code pads} on both sides of every axis
     * ({@link TransposedConvolution#symmetricPadding}). {@code flipped} is the flipped, transposed kernel (1, Cout,
     * k...) of {@link TransposedConvolution#flippedTransposedKernel}: contiguous, so read as (Cout, 1, k...) it is
     * the depthwise kernel without a copy.
     */
    static NDArray apply(Backend backend, NDArray g, NDArray flipped, ConvSpec spec, int[] pads) {
        long[] dims = flipped.getShape().getShape().clone();
        long channels = dims[1];
        dims[0] = channels;
        dims[1] = 1;
        int[] ones = new int[pads.length];
        Arrays.fill(ones, 1);
        NDArray perChannel = backend.conv(g, flipped.reshape(new Shape(dims)), null,
                new ConvSpec(ones, pads, pads, spec.dilations(), (int) channels));
        return perChannel.sum(new int[] {1}, true);
    }
}
