package io.signstream.engine.lrp;

import java.util.List;

/**
 * Terms that share one denominator: z = Σ terms, s = coefficient · stabilise(R, z). A rule's input relevance is
 * the sum over its groups (AlphaBeta: an α group over z⁺ and a −β group over z⁻).
 *
 * <pre>{@code
 * TermGroup zRule = TermGroup.of(new Term(InputModifier.IDENTITY, ParamModifier.KEEP, ParamModifier.KEEP));
 * }</pre>
 *
 * @param coefficient the factor applied to this group's relevance
 * @param terms at least one term
 */
public record TermGroup(double coefficient, List<Term> terms) {

    public TermGroup {
        terms = List.copyOf(terms);
        if (terms.isEmpty()) {
            throw new IllegalArgumentException("a term group needs at least one term");
        }
    }

    public static TermGroup of(Term... terms) {
        return new TermGroup(1.0, List.of(terms));
    }

    public static TermGroup weighted(double coefficient, Term... terms) {
        return new TermGroup(coefficient, List.of(terms));
    }

    /** This group with every term's bias dropped. */
    public TermGroup withoutBias() {
        return new TermGroup(coefficient, terms.stream().map(Term::withoutBias).toList());
    }
}
