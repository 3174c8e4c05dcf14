package io.signstream.engine.graph;

/** Element-wise operations between a graph tensor and a constant. */
public enum ConstantOpKind {
    ADD,
    SUB,
    MUL,
    DIV,
    /** x raised to a constant exponent (the constant must be the second operand). */
    POW
}
