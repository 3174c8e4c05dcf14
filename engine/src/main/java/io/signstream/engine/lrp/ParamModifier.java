package io.signstream.engine.lrp;

import ai.djl.ndarray.NDArray;

/**
 * How an LRP rule changes a layer's weight or bias before using it (Zennit's parameter modifiers). Plain data, so
 * that a {@link Rule} stays a description that can be printed, compared and evaluated by one generic kernel.
 *
 * <pre>{@code
 * Term positivePart = new Term(InputModifier.POSITIVE, ParamModifier.POSITIVE, ParamModifier.DROP);
 * }</pre>
 */
public enum ParamModifier {
    /** the parameter as it is */
    KEEP,
    /** max(p, 0) */
    POSITIVE,
    /** min(p, 0) */
    NEGATIVE,
    /** p ∘ p (the w² rule) */
    SQUARE,
    /** every entry 1 (the flat rule) */
    ONES,
    /** no parameter at all; only meaningful for the bias ("ignore bias") */
    DROP;

    /**
     * @param p the layer's parameter, or null when the layer has none (a missing bias)
     * @return the modified parameter, or null for {@link #DROP} or a missing parameter
     */
    public NDArray apply(NDArray p) {
        if (p == null || this == DROP) {
            return null;
        }
        return switch (this) {
            case KEEP -> p;
            case POSITIVE -> p.maximum(0f);
            case NEGATIVE -> p.minimum(0f);
            case SQUARE -> p.square();
            case ONES -> p.onesLike();
            case DROP -> null;
        };
    }
}
