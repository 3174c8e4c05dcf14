package io.signstream.engine.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.signstream.engine.graph.ConvSpec;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ConvolutionSelfCheckTest {

    private static Backend torch;

    @BeforeAll
    static void open() {
        torch = Backends.open(EngineKind.PYTORCH);
    }

    @AfterAll
    static void close() {
        torch.close();
    }

    @Test
    void theKernelsThisProcessRunsPass() {
        double worst = ConvolutionSelfCheck.verify(torch);
        // float32 sums of up to 576 terms: a few 1e-7 of their magnitude
        assertTrue(worst < 1e-5, "worst relative error " + worst);
    }

    @Test
    void theTensorFlowKernelsPassToo() {
        try (Backend tf = Backends.open(EngineKind.TENSORFLOW)) {
            assertTrue(ConvolutionSelfCheck.verify(tf) < 1e-5);
        }
    }

    @Test
    void aConvolutionWrongInOneSampleOfABatchStopsTheEngineWithTheFix() {
        // the failure seen with libtorch's autograd on AVX-512: right for some samples of a batch, wrong for others
        Backend wrong = new Perturbed(torch, y -> y.getShape().get(0) > 2
                ? y.mul(y.getManager().create(new float[] {1f, 1f, 1.01f}).reshape(3, 1, 1, 1).concat(
                        y.getManager().ones(new Shape(y.getShape().get(0) - 3, 1, 1, 1)), 0))
                : y, UnaryOperator.identity());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ConvolutionSelfCheck.verify(wrong));
        assertTrue(e.getMessage().contains("ONEDNN_MAX_CPU_ISA=AVX"), e.getMessage());
        assertTrue(e.getMessage().contains("batch 4, 16→32 channels"), e.getMessage());
    }

    @Test
    void aTransposeOffByATenthOfAPercentIsCaught() {
        Backend wrong = new Perturbed(torch, UnaryOperator.identity(), g -> g.mul(0.999f));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ConvolutionSelfCheck.verify(wrong));
        assertTrue(e.getMessage().contains("wrong results on this CPU"), e.getMessage());
    }

    @Test
    void theChecksCoverTheGeometriesModelsUse() {
        assertEquals(6, ConvolutionSelfCheck.CASES.size());
        assertTrue(ConvolutionSelfCheck.CASES.stream().anyMatch(c -> c.groups() > 1 && c.groups() == c.cin()));
        assertTrue(ConvolutionSelfCheck.CASES.stream().anyMatch(c -> c.kernel() == 1 && c.stride() == 2));
        assertTrue(ConvolutionSelfCheck.CASES.stream().anyMatch(c -> c.kernel() == 7 && c.stride() == 2));
        assertTrue(ConvolutionSelfCheck.CASES.stream().allMatch(c -> c.batch() > 1));
    }

    @Test
    void runsForTheCpuOnly() {
        assertTrue(ConvolutionSelfCheck.appliesTo(ai.djl.Device.cpu()));
        // cuDNN's TF32 convolutions round by design: a float32 tolerance would refuse every such GPU
        assertFalse(ConvolutionSelfCheck.appliesTo(ai.djl.Device.gpu()));
    }

    /** The real backend with its convolution or transposed convolution output changed. */
    private record Perturbed(Backend real, UnaryOperator<NDArray> onConv, UnaryOperator<NDArray> onTranspose)
            implements Backend {

        @Override
        public EngineKind kind() {
            return real.kind();
        }

        @Override
        public String device() {
            return real.device();
        }

        @Override
        public NDManager newManager() {
            return real.newManager();
        }

        @Override
        public NDArray conv(NDArray x, NDArray w, NDArray bias, ConvSpec spec) {
            return onConv.apply(real.conv(x, w, bias, spec));
        }

        @Override
        public NDArray convTranspose(NDArray g, NDArray w, ConvSpec spec, Shape inputShape) {
            return onTranspose.apply(real.convTranspose(g, w, spec, inputShape));
        }

        @Override
        public void close() {
        }
    }
}
