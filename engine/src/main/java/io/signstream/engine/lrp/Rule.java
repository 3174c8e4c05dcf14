package io.signstream.engine.lrp;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * An LRP rule for a layer with a kernel (Dense, Conv), written as data after Zennit's design: groups of
 * (input modifier × parameter modifier) terms that make a denominator, a {@link Stabiliser} for the division, and
 * the reducer "relevance input ⊙ backward through the modified weights". {@link LrpKernelRule} evaluates every rule
 * with the same code for Dense and Conv layers. Formulas and conventions are those of METHODS.md §2.1
 * (iNNvestigate: SafeDivide, sign(0) = +1, the full bias in both AlphaBeta denominators).
 *
 * <pre>{@code
 * Rule eps = new Rule.Epsilon(0.1);
 * Rule ab = new Rule.AlphaBeta(2, 1);
 * Rule box = Rule.Bounded.of(-1, 2);
 * eps.label(); // "Epsilon(0.1)"
 * }</pre>
 */
public sealed interface Rule
        permits Rule.Z, Rule.Epsilon, Rule.StdxEpsilon, Rule.AlphaBeta, Rule.ZPlus, Rule.ZPlusFast, Rule.WSquare,
                Rule.Flat, Rule.Bounded, Rule.GammaTF, Rule.Sign, Rule.SignMu, Rule.IgnoreBias {

    /** The terms, grouped by shared denominator; the input relevance is the sum over all groups. */
    List<TermGroup> groups();

    /** How R is divided by each group's denominator. */
    default Stabiliser stabiliser() {
        return new Stabiliser.SafeDivide();
    }

    /** A short name for listings, e.g. {@code Epsilon(0.1)}. */
    String label();

    /** True for rules that only make sense on the input layer (the SIGN rules read the sign of the data). */
    default boolean inputLayerOnly() {
        return false;
    }

    /** z = W a + b, R_in = a ⊙ Wᵀ SafeDivide(R, z) (LRP-0). */
    record Z() implements Rule {
        @Override
        public List<TermGroup> groups() {
            return List.of(TermGroup.of(plain()));
        }

        @Override
        public String label() {
            return "Z";
        }
    }

    /** The z-rule with R / (z + ε·sign₊(z)); ε > 0. */
    record Epsilon(double epsilon) implements Rule {
        public Epsilon {
            if (!(epsilon > 0) || !Double.isFinite(epsilon)) {
                throw new IllegalArgumentException("epsilon must be a finite number > 0, got " + epsilon);
            }
        }

        @Override
        public List<TermGroup> groups() {
            return List.of(TermGroup.of(plain()));
        }

        @Override
        public Stabiliser stabiliser() {
            return new Stabiliser.SignedEpsilon(epsilon);
        }

        @Override
        public String label() {
            return "Epsilon(" + number(epsilon) + ")";
        }
    }

    /**
     * Epsilon with ε = factor · population std of the layer's input (SignXAI's {@code *_std_x}), recomputed for
     * every layer. The std is taken per sample: the canonical references are computed on batches of one, and a
     * batch must give the same maps as one call per sample.
     */
    record StdxEpsilon(double factor) implements Rule {
        public StdxEpsilon {
            if (!(factor > 0) || !Double.isFinite(factor)) {
                throw new IllegalArgumentException("stdfactor must be a finite number > 0, got " + factor);
            }
        }

        @Override
        public List<TermGroup> groups() {
            return List.of(TermGroup.of(plain()));
        }

        @Override
        public Stabiliser stabiliser() {
            return new Stabiliser.StdScaledEpsilon(factor);
        }

        @Override
        public String label() {
            return "StdxEpsilon(" + number(factor) + ")";
        }
    }

    /**
     * α·[a⁺⊙W⁺ᵀs⁺ + a⁻⊙W⁻ᵀs⁺] − β·[a⁺⊙W⁻ᵀs⁻ + a⁻⊙W⁺ᵀs⁻] with z⁺ = W⁺a⁺ + W⁻a⁻ + b and z⁻ = W⁻a⁺ + W⁺a⁻ + b:
     * iNNvestigate puts the <em>full</em> bias into both denominators (b⁺ + b⁻ through the split layers), unlike
     * Zennit. Requires α − β = 1, α ≥ 1, β ≥ 0; the β group is skipped when β = 0.
     */
    record AlphaBeta(double alpha, double beta) implements Rule {
        public AlphaBeta {
            if (!Double.isFinite(alpha) || !Double.isFinite(beta) || alpha < 1 || beta < 0
                    || Math.abs(alpha - beta - 1) > 1e-9) {
                throw new IllegalArgumentException(
                        "AlphaBeta needs alpha - beta = 1 with alpha >= 1 and beta >= 0, got alpha=" + number(alpha)
                                + ", beta=" + number(beta));
            }
        }

        @Override
        public List<TermGroup> groups() {
            TermGroup activating = TermGroup.weighted(alpha,
                    new Term(InputModifier.POSITIVE, ParamModifier.POSITIVE, ParamModifier.POSITIVE),
                    new Term(InputModifier.NEGATIVE, ParamModifier.NEGATIVE, ParamModifier.NEGATIVE));
            if (beta == 0) {
                return List.of(activating);
            }
            TermGroup inhibiting = TermGroup.weighted(-beta,
                    new Term(InputModifier.POSITIVE, ParamModifier.NEGATIVE, ParamModifier.NEGATIVE),
                    new Term(InputModifier.NEGATIVE, ParamModifier.POSITIVE, ParamModifier.POSITIVE));
            return List.of(activating, inhibiting);
        }

        @Override
        public String label() {
            return "AlphaBeta(" + number(alpha) + "," + number(beta) + ")";
        }
    }

    /** iNNvestigate's z⁺ = AlphaBeta(1,0) without bias: z = W⁺a⁺ + W⁻a⁻, R_in = a⁺⊙W⁺ᵀs + a⁻⊙W⁻ᵀs. */
    record ZPlus() implements Rule {
        @Override
        public List<TermGroup> groups() {
            return List.of(TermGroup.of(
                    new Term(InputModifier.POSITIVE, ParamModifier.POSITIVE, ParamModifier.DROP),
                    new Term(InputModifier.NEGATIVE, ParamModifier.NEGATIVE, ParamModifier.DROP)));
        }

        @Override
        public String label() {
            return "ZPlus";
        }
    }

    /** iNNvestigate's ZPlusFast: z = W⁺a, R_in = a ⊙ W⁺ᵀs. */
    record ZPlusFast() implements Rule {
        @Override
        public List<TermGroup> groups() {
            return List.of(TermGroup.of(new Term(InputModifier.IDENTITY, ParamModifier.POSITIVE, ParamModifier.DROP)));
        }

        @Override
        public String label() {
            return "ZPlusFast";
        }
    }

    /** w²: z = (W∘W)·1 without bias, R_in = (W∘W)ᵀ s; the input values are not used. */
    record WSquare() implements Rule {
        @Override
        public List<TermGroup> groups() {
            return List.of(TermGroup.of(new Term(InputModifier.ONES, ParamModifier.SQUARE, ParamModifier.DROP)));
        }

        @Override
        public String label() {
            return "WSquare";
        }
    }

    /** Flat: every weight 1, no bias, ones as input; spreads each output's relevance evenly over its inputs. */
    record Flat() implements Rule {
        @Override
        public List<TermGroup> groups() {
            return List.of(TermGroup.of(new Term(InputModifier.ONES, ParamModifier.ONES, ParamModifier.DROP)));
        }

        @Override
        public String label() {
            return "Flat";
        }
    }

    /**
     * z^B (box) rule: z = W a − W⁺ l − W⁻ h, R_in = a⊙Wᵀs − l⊙W⁺ᵀs − h⊙W⁻ᵀs, no bias. Defect D1 of SignXAI's TF
     * copy (which dropped the three products) is fixed. l and h are scalars or one value per channel; as constant
     * tensors of the input's shape a convolution zero-pads them like any input.
     *
     * @param low the lower bound(s)
     * @param high the upper bound(s)
     */
    record Bounded(float[] low, float[] high) implements Rule {
        public Bounded {
            if (low.length == 0 || high.length == 0) {
                throw new IllegalArgumentException("Bounded needs a low and a high bound");
            }
            low = low.clone();
            high = high.clone();
            for (int i = 0; i < Math.max(low.length, high.length); i++) {
                float l = low[low.length == 1 ? 0 : i % low.length];
                float h = high[high.length == 1 ? 0 : i % high.length];
                if (!Float.isFinite(l) || !Float.isFinite(h) || l > h) {
                    throw new IllegalArgumentException(
                            "Bounded needs finite bounds with low <= high, got low=" + Arrays.toString(low) + ", high="
                                    + Arrays.toString(high));
                }
            }
            if (low.length != 1 && high.length != 1 && low.length != high.length) {
                throw new IllegalArgumentException("per-channel bounds differ in length: low " + low.length
                        + ", high " + high.length);
            }
        }

        /** Scalar bounds. */
        public static Bounded of(double low, double high) {
            return new Bounded(new float[] {(float) low}, new float[] {(float) high});
        }

        @Override
        public List<TermGroup> groups() {
            return List.of(TermGroup.of(
                    new Term(InputModifier.IDENTITY, ParamModifier.KEEP, ParamModifier.DROP),
                    new Term(new InputModifier.Fill(low).negated(), ParamModifier.POSITIVE, ParamModifier.DROP),
                    new Term(new InputModifier.Fill(high).negated(), ParamModifier.NEGATIVE, ParamModifier.DROP)));
        }

        @Override
        public String label() {
            return "Bounded(" + bounds(low) + "," + bounds(high) + ")";
        }

        private static String bounds(float[] v) {
            if (v.length == 1) {
                return number(v[0]);
            }
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < v.length; i++) {
                sb.append(i == 0 ? "" : " ").append(number(v[i]));
            }
            return sb.append(']').toString();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Bounded b && Arrays.equals(low, b.low) && Arrays.equals(high, b.high);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(low) + Arrays.hashCode(high);
        }

        @Override
        public String toString() {
            return label();
        }
    }

    /**
     * SignXAI's TensorFlow gamma rule (METHODS.md §2.1-10; not Zennit's or Montavon's γ-rule):
     * γ·f(a⁺, a; W⁺,b⁺; W,b) − f(a⁺, a; W,b; W⁺,b⁺) with f(i1,i2; A,bA; B,bB) = i1⊙Aᵀs + i2⊙Bᵀs and
     * s = SafeDivide(R, A i1 + bA + B i2 + bB).
     */
    record GammaTF(double gamma) implements Rule {
        public GammaTF {
            if (!(gamma >= 0) || !Double.isFinite(gamma)) {
                throw new IllegalArgumentException("gamma must be a finite number >= 0, got " + gamma);
            }
        }

        @Override
        public List<TermGroup> groups() {
            return List.of(
                    TermGroup.weighted(gamma,
                            new Term(InputModifier.POSITIVE, ParamModifier.POSITIVE, ParamModifier.POSITIVE),
                            new Term(InputModifier.IDENTITY, ParamModifier.KEEP, ParamModifier.KEEP)),
                    TermGroup.weighted(-1,
                            new Term(InputModifier.POSITIVE, ParamModifier.KEEP, ParamModifier.KEEP),
                            new Term(InputModifier.IDENTITY, ParamModifier.POSITIVE, ParamModifier.POSITIVE)));
        }

        @Override
        public String label() {
            return "GammaTF(" + number(gamma) + ")";
        }
    }

    /**
     * LRP-SIGN input rule: z = W x + b (no ε), R_in = s1(x) ⊙ Wᵀ SafeDivide(R, z), with s1(0) = +1. The magnitude
     * |x| of the z-rule's numerator is dropped, its sign kept.
     */
    record Sign() implements Rule {
        @Override
        public List<TermGroup> groups() {
            return List.of(TermGroup.of(new Term(InputModifier.IDENTITY, new InputModifier.Threshold(0),
                    ParamModifier.KEEP, ParamModifier.KEEP)));
        }

        @Override
        public boolean inputLayerOnly() {
            return true;
        }

        @Override
        public String label() {
            return "SIGN";
        }
    }

    /**
     * LRP-SIGNmu input rule: as {@link Sign} with s_μ(x) = +1 if x ≥ μ else −1, for every μ (SignXAI's in-place
     * version collapsed to +1 for μ ≤ −1, defect D6; fixed here).
     */
    record SignMu(double mu) implements Rule {
        public SignMu {
            if (!Double.isFinite(mu)) {
                throw new IllegalArgumentException("mu must be finite, got " + mu);
            }
        }

        @Override
        public List<TermGroup> groups() {
            return List.of(TermGroup.of(new Term(InputModifier.IDENTITY, new InputModifier.Threshold(mu),
                    ParamModifier.KEEP, ParamModifier.KEEP)));
        }

        @Override
        public boolean inputLayerOnly() {
            return true;
        }

        @Override
        public String label() {
            return "SIGNmu(" + number(mu) + ")";
        }
    }

    /** Any rule with the bias removed from every term (iNNvestigate's {@code *IgnoreBias}, the {@code _IB} names). */
    record IgnoreBias(Rule rule) implements Rule {
        @Override
        public List<TermGroup> groups() {
            return rule.groups().stream().map(TermGroup::withoutBias).toList();
        }

        @Override
        public Stabiliser stabiliser() {
            return rule.stabiliser();
        }

        @Override
        public boolean inputLayerOnly() {
            return rule.inputLayerOnly();
        }

        @Override
        public String label() {
            return rule.label() + "IgnoreBias";
        }
    }

    private static Term plain() {
        return new Term(InputModifier.IDENTITY, ParamModifier.KEEP, ParamModifier.KEEP);
    }

    /** 0.1 rather than 0.1000000001 or 1.0: labels are read by people. */
    private static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        String s = String.format(Locale.ROOT, "%.6g", v);
        if (s.contains("e")) {
            return s;
        }
        return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
    }
}
