package io.signstream.engine.torchscript;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.signstream.engine.backend.Backend;
import io.signstream.engine.backend.Backends;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.graph.ConvSpec;

/**
 * The PyTorch backend for the reverse-pass tests. On the commit this branch starts from, {@code
 * PyTorchBackend.convTranspose} calls DJL 0.28's {@code deconvolution}, which throws "Not implemented" (fixed on
 * main by a transposed convolution written as a convolution). Where the real method works this class changes
 * nothing; where it throws, the transpose is computed as what it is — the vector-Jacobian product of the
 * convolution with respect to its input — by autograd, under {@link PyTorchAutograd#LOCK}.
 */
final class ConvTransposeFallbackBackend implements Backend {

    private final Backend delegate;
    private volatile boolean delegateWorks = true;

    private ConvTransposeFallbackBackend(Backend delegate) {
        this.delegate = delegate;
    }

    static Backend open() {
        return new ConvTransposeFallbackBackend(Backends.open(EngineKind.PYTORCH));
    }

    @Override
    public EngineKind kind() {
        return delegate.kind();
    }

    @Override
    public String device() {
        return delegate.device();
    }

    @Override
    public NDManager newManager() {
        return delegate.newManager();
    }

    @Override
    public NDArray conv(NDArray x, NDArray w, NDArray bias, ConvSpec spec) {
        return delegate.conv(x, w, bias, spec);
    }

    @Override
    public NDArray convTranspose(NDArray g, NDArray w, ConvSpec spec, Shape inputShape) {
        if (delegateWorks) {
            try {
                return delegate.convTranspose(g, w, spec, inputShape);
            } catch (UnsupportedOperationException e) {
                delegateWorks = false;
            }
        }
        NDManager target = g.getManager();
        return PyTorchAutograd.collect(collector -> {
            try (NDManager scope = target.newSubManager()) {
                NDArray x = scope.zeros(inputShape, g.getDataType());
                x.setRequiresGradient(true);
                NDArray y = delegate.conv(x, w, null, spec);
                collector.backward(y.mul(g).sum());
                NDArray out = x.getGradient().duplicate();
                out.attach(target);
                return out;
            }
        });
    }

    @Override
    public NDArray pad(NDArray x, long[] begin, long[] end, float value) {
        return delegate.pad(x, begin, end, value);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
