package io.signstream.engine.graph;

/** Element-wise activation functions the graph supports. */
public enum ActivationKind {
    RELU,
    LEAKY_RELU,
    SIGMOID,
    TANH
}
