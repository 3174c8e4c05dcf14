package io.signstream.engine.lrp;

/**
 * One contribution to an LRP rule: the layer evaluated with modified input and parameters. A {@link TermGroup}
 * adds its terms' outputs into the denominator z, and sends the stabilised R/z back through each term's modified
 * weights, multiplied by the term's {@code relevanceInput} (Zennit's reducer: inputs × gradients).
 *
 * <pre>{@code
 * // the z-rule: z = W x + b, R_in = x ⊙ Wᵀ(R/z)
 * Term z = new Term(InputModifier.IDENTITY, ParamModifier.KEEP, ParamModifier.KEEP);
 * // LRP-SIGN: same z, but R_in = s1(x) ⊙ Wᵀ(R/z)
 * Term sign = new Term(InputModifier.IDENTITY, new InputModifier.Threshold(0), ParamModifier.KEEP, ParamModifier.KEEP);
 * }</pre>
 *
 * @param input what the layer is evaluated on for the denominator
 * @param relevanceInput what multiplies the signal sent back through the weights (usually the same as input)
 * @param weight how the kernel is modified
 * @param bias how the bias is modified ({@link ParamModifier#DROP} ignores it)
 */
public record Term(InputModifier input, InputModifier relevanceInput, ParamModifier weight, ParamModifier bias) {

    public Term(InputModifier input, ParamModifier weight, ParamModifier bias) {
        this(input, input, weight, bias);
    }

    /** This term with the bias dropped. */
    public Term withoutBias() {
        return new Term(input, relevanceInput, weight, ParamModifier.DROP);
    }
}
