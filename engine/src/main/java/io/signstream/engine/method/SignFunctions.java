package io.signstream.engine.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** The SIGN operators of METHODS.md §2.4 and the post-hoc modifiers built from them. */
public final class SignFunctions {

    private SignFunctions() {
    }

    /** s1(x) = +1 for x ≥ 0, −1 for x < 0 (sign(0) = +1, as TF's nan_to_num(x/|x|, nan=1)). */
    public static NDArray s1(NDArray x) {
        return signMu(x, 0.0);
    }

    /** s_mu(x) = +1 if x ≥ mu else −1, for every mu (defect D6, the in-place collapse for mu ≤ −1, is fixed). */
    public static NDArray signMu(NDArray x, double mu) {
        return x.gte((float) mu).toType(DataType.FLOAT32, false).mul(2f).sub(1f);
    }

    /** Applies a name's post-hoc modifier to a base map, always with the original input x. */
    public static NDArray apply(Modifier modifier, NDArray map, NDArray x) {
        if (modifier instanceof Modifier.None) {
            return map;
        } else if (modifier instanceof Modifier.XInput) {
            return map.mul(x);
        } else if (modifier instanceof Modifier.XSign) {
            return map.mul(s1(x));
        } else if (modifier instanceof Modifier.XInputXSign) {
            return map.mul(x).mul(s1(x));
        } else if (modifier instanceof Modifier.XSignMu m) {
            return map.mul(signMu(x, m.mu()));
        } else if (modifier instanceof Modifier.XInputXSignMu m) {
            return map.mul(x).mul(signMu(x, m.mu()));
        }
        throw new IllegalStateException("unhandled modifier " + modifier);
    }
}
