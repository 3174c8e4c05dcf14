package io.signstream.engine.method;

import io.signstream.engine.lrp.LrpComposite;

/**
 * A method name parsed once into what to compute. Parameters written into the name (e.g. {@code _steps_100},
 * {@code _mu_neg_0_5}) are already merged into {@link #params()}.
 *
 * <pre>{@code
 * MethodSpec spec = MethodNames.parse("gradient_x_sign_mu_neg_0_5", MethodParams.empty());
 * spec.family();   // GRADIENT
 * spec.modifier(); // XSignMu[mu=-0.5]
 * }</pre>
 *
 * @param name the name as the user wrote it
 * @param family the base computation
 * @param modifier the post-hoc factor
 * @param params parameters (user's, then the name's, then defaults at use)
 * @param lrp the LRP composite for {@link Family#LRP}, else null
 */
public record MethodSpec(String name, Family family, Modifier modifier, MethodParams params, LrpComposite lrp) {

    /** Randomised methods (SmoothGrad, VarGrad) are compared statistically, not exactly. */
    public boolean randomised() {
        return family == Family.SMOOTHGRAD || family == Family.VARGRAD;
    }
}
