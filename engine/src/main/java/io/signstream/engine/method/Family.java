package io.signstream.engine.method;

/** The base computation a method name selects before any post-hoc modifier. */
public enum Family {
    /** ∂f_c/∂x, seeded with onehot(c). */
    GRADIENT,
    /** x ⊙ ∂f_c/∂x (iNNvestigate's InputTimesGradient). */
    INPUT_T_GRADIENT,
    /** guided backprop seeded with onehot(c)·f_c. */
    GUIDED_BACKPROP,
    /** DeconvNet seeded with onehot(c)·f_c. */
    DECONVNET,
    /** x ⊙ mean of the gradients at i/(n−1)·x, i = 0..n−1. */
    INTEGRATED_GRADIENTS,
    /** mean of n gradients at x + N(0, σ²) noise. */
    SMOOTHGRAD,
    /** population variance of n gradients at x + N(0, σ²) noise. */
    VARGRAD,
    /** 2-D Grad-CAM, resized bilinearly to the input's H×W. */
    GRAD_CAM,
    /** 1-D Grad-CAM over time, resampled linearly with aligned end points, tiled over channels. */
    GRAD_CAM_TIMESERIES,
    /** layer-wise relevance propagation with a composite of rules. */
    LRP,
    /** DeepLIFT, Rescale rule, constant reference (default 0), as Captum's DeepLift. */
    DEEPLIFT,
    /** guided backprop of the sum of the Grad-CAM layer's activations ⊙ the Grad-CAM map. */
    GUIDED_GRAD_CAM,
    /** a model-independent baseline: U(−1, 1) from numpy's MT19937 stream seeded with 1, one value per pixel. */
    RANDOM_UNIFORM
}
