package io.signstream.engine.lrp;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/**
 * What an LRP term feeds into the layer in place of its input x, or multiplies the back-propagated signal with
 * (Zennit's input modifiers). A closed set of small records so that rules stay plain data.
 *
 * <pre>{@code
 * InputModifier signOfX = new InputModifier.Threshold(0.0);   // s1(x): +1 for x >= 0, -1 otherwise
 * NDArray s = signOfX.apply(x);
 * }</pre>
 */
public sealed interface InputModifier {

    InputModifier IDENTITY = new Identity();
    InputModifier POSITIVE = new Positive();
    InputModifier NEGATIVE = new Negative();
    InputModifier ONES = new Ones();

    /** The modified tensor, of x's shape. */
    NDArray apply(NDArray x);

    /** x itself. */
    record Identity() implements InputModifier {
        @Override
        public NDArray apply(NDArray x) {
            return x;
        }
    }

    /** x⁺ = max(x, 0). */
    record Positive() implements InputModifier {
        @Override
        public NDArray apply(NDArray x) {
            return x.maximum(0f);
        }
    }

    /** x⁻ = min(x, 0). */
    record Negative() implements InputModifier {
        @Override
        public NDArray apply(NDArray x) {
            return x.minimum(0f);
        }
    }

    /** All ones: the w² and flat rules ignore the input values. */
    record Ones() implements InputModifier {
        @Override
        public NDArray apply(NDArray x) {
            return x.onesLike();
        }
    }

    /**
     * +1 where x ≥ threshold, −1 elsewhere. With threshold 0 this is SignXAI's s1 (sign(0) = +1); with μ it is
     * s_μ, computed out of place so that μ ≤ −1 does not collapse every entry to +1 (defect D6 fixed).
     */
    record Threshold(double threshold) implements InputModifier {
        @Override
        public NDArray apply(NDArray x) {
            return x.gte((float) threshold).toType(x.getDataType(), false).mul(2f).sub(1f);
        }
    }

    /**
     * A constant tensor of x's shape: one value everywhere, or one value per channel (axis 1). Used for the
     * bounds l and h of the z^B rule; a convolution zero-pads it like any input.
     *
     * @param values one value, or one per channel
     */
    record Fill(float[] values) implements InputModifier {

        public Fill {
            if (values.length == 0) {
                throw new IllegalArgumentException("a fill needs at least one value");
            }
            values = values.clone();
        }

        /** This fill with every value negated (the bounds enter the z^B rule with a minus sign). */
        public Fill negated() {
            float[] v = values.clone();
            for (int i = 0; i < v.length; i++) {
                v[i] = -v[i];
            }
            return new Fill(v);
        }

        @Override
        public NDArray apply(NDArray x) {
            if (values.length == 1) {
                return x.onesLike().mul(values[0]);
            }
            Shape shape = x.getShape();
            if (shape.dimension() < 2 || shape.get(1) != values.length) {
                throw new IllegalArgumentException("per-channel bounds have " + values.length
                        + " values but the layer input " + shape + " has " + (shape.dimension() < 2 ? 1 : shape.get(1))
                        + " channels");
            }
            long[] dims = new long[shape.dimension()];
            Arrays.fill(dims, 1);
            dims[1] = values.length;
            NDArray perChannel = x.getManager().create(values, new Shape(dims)).toType(x.getDataType(), false);
            return x.onesLike().mul(perChannel);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Fill f && Arrays.equals(values, f.values);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(values);
        }

        @Override
        public String toString() {
            return "Fill" + Arrays.toString(values);
        }
    }
}
