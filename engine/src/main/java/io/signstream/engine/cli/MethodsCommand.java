package io.signstream.engine.cli;

import io.signstream.engine.lrp.LrpMethods;
import io.signstream.engine.method.MethodNames;
import java.io.PrintStream;

/** {@code signstream methods}: every accepted name with its parameters. */
final class MethodsCommand {

    private final PrintStream out;

    MethodsCommand(PrintStream out) {
        this.out = out;
    }

    int run() {
        out.println("# Legacy SignXAI names (METHODS.md section 1); parameters via --param k=v");
        for (String name : MethodNames.legacyNames()) {
            out.println(name + MethodNames.parameterHint(name));
        }
        out.println();
        out.println("# Name grammar (SignXAI 0.14 HEAD): numbers as 0_25 = 0.25, neg_0_5 = -0.5");
        out.println("integrated_gradients_steps_<n>            steps (default 50)");
        out.println("smoothgrad_noise_<v>_samples_<n>          noise_scale (0.2), augment_by_n (50), seed (0)");
        out.println("vargrad_noise_<v>_samples_<n>             noise_scale (0.2), augment_by_n (50), seed (0)");
        out.println("<method>_x_input | _x_sign | _x_input_x_sign | _x_sign_mu_<v> | _x_input_x_sign_mu_<v>");
        for (String line : LrpMethods.grammar()) {
            out.println(line);
        }
        return 0;
    }
}
