package io.signstream.engine.graph;

/**
 * Element-wise activation functions the graph supports (a {@link Layer.Activation} applies one). Bounded linear
 * activations with two constants (ReLU6, hardtanh) are {@link Layer.Clip}.
 */
public enum ActivationKind {
    RELU,
    /** x for x > 0, alpha·x otherwise. */
    LEAKY_RELU,
    SIGMOID,
    TANH,
    /** SiLU / Swish: x·σ(x) (PyTorch {@code silu}, Keras {@code swish}, ONNX's exported {@code x * Sigmoid(x)}). */
    SILU,
    /** x·relu6(x + 3)/6 (PyTorch and ONNX {@code HardSwish}). */
    HARD_SWISH,
    /**
     * max(0, min(1, alpha·x + 0.5)), the slope alpha in {@link Layer.Activation#alpha()}: 1/6 for PyTorch,
     * ONNX exports of it and Keras 3; 0.2 for Keras 2 and ONNX's default.
     */
    HARD_SIGMOID,
    /** Exact GELU: x·Φ(x) = x·(1 + erf(x/√2))/2 (PyTorch's default, ONNX's exported Erf form). */
    GELU,
    /** The tanh approximation: x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))/2. */
    GELU_TANH,
    /** The error function (what an ONNX export of GELU leaves when its pattern is not recognised). */
    ERF,
    /** √x (part of a decomposed LayerNorm when its pattern is not recognised). */
    SQRT
}
