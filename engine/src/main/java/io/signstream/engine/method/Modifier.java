package io.signstream.engine.method;

/**
 * The post-hoc factor a method name's suffix applies to the base map, always with the original input x
 * (METHODS.md §2.4): {@code _x_input} ⊙ x, {@code _x_sign} ⊙ s1(x), {@code _x_input_x_sign} ⊙ |x|,
 * {@code _x_sign_mu_<v>} ⊙ s_mu(x). s1(0) = +1; s_mu(x) = +1 if x ≥ mu else −1, for every mu (defect D6 fixed).
 */
public sealed interface Modifier {

    /** The name suffix, for listings. */
    String suffix();

    record None() implements Modifier {
        @Override
        public String suffix() {
            return "";
        }
    }

    record XInput() implements Modifier {
        @Override
        public String suffix() {
            return "_x_input";
        }
    }

    record XSign() implements Modifier {
        @Override
        public String suffix() {
            return "_x_sign";
        }
    }

    record XInputXSign() implements Modifier {
        @Override
        public String suffix() {
            return "_x_input_x_sign";
        }
    }

    record XSignMu(double mu) implements Modifier {
        @Override
        public String suffix() {
            return "_x_sign_mu";
        }
    }

    /** HEAD-grammar {@code _x_input_x_sign_mu_<v>}: ⊙ x ⊙ s_mu(x). */
    record XInputXSignMu(double mu) implements Modifier {
        @Override
        public String suffix() {
            return "_x_input_x_sign_mu";
        }
    }
}
