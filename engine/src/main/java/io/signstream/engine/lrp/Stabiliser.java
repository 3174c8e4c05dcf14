package io.signstream.engine.lrp;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.signstream.engine.backend.Backend;
import java.util.Arrays;

/**
 * How a rule divides the upper relevance R by its denominator z (METHODS.md §2.0), iNNvestigate conventions:
 * rules without ε use SafeDivide a/(b + [b==0]·1e-7), which leaves every non-zero denominator untouched; the ε
 * rules shift z away from 0 by ε·sign₊(z) with sign(0) = +1 first.
 *
 * <pre>{@code
 * NDArray s = new Stabiliser.SignedEpsilon(0.1).divide(backend, r, z, layerInput);
 * }</pre>
 */
public sealed interface Stabiliser {

    /** Keras' K.epsilon(), what SafeDivide adds to an exactly-zero denominator. */
    float KERAS_EPSILON = 1e-7f;

    /**
     * @param backend the engine: its element-wise forms of sign₊ and SafeDivide's shift
     * @param r the relevance at the layer output
     * @param z the rule's denominator, same shape as r
     * @param layerInput the layer's input (the std-scaled epsilon reads it)
     * @return r / stabilised z
     */
    NDArray divide(Backend backend, NDArray r, NDArray z, NDArray layerInput);

    /** A text for {@link Rule#label()}-style listings. */
    String label();

    /** iNNvestigate's SafeDivide: a / (b + [b == 0]·1e-7). */
    static NDArray safeDivide(Backend backend, NDArray a, NDArray b) {
        return backend.safeDivide(a, b, KERAS_EPSILON);
    }

    /** SafeDivide alone (Z, SIGN, AlphaBeta, ZPlus, WSquare, Flat, Bounded, GammaTF). */
    record SafeDivide() implements Stabiliser {
        @Override
        public NDArray divide(Backend backend, NDArray r, NDArray z, NDArray layerInput) {
            return safeDivide(backend, r, z);
        }

        @Override
        public String label() {
            return "SafeDivide";
        }
    }

    /**
     * R / (z + ε·sign₊(z)), then SafeDivide. For a float ε > 0 the SafeDivide step changes nothing and is left out
     * (five element-wise ops of the layer's output size fewer per layer): z + ε ≥ ε > 0 for z ≥ 0 and
     * z − ε ≤ z < 0 for z < 0, in floating point too, so the shifted denominator is never 0 (NaN stays NaN either
     * way). Only an ε that rounds to float 0 keeps the SafeDivide.
     */
    record SignedEpsilon(double epsilon) implements Stabiliser {
        @Override
        public NDArray divide(Backend backend, NDArray r, NDArray z, NDArray layerInput) {
            float eps = (float) epsilon;
            if (eps > 0) {
                return backend.epsilonDivide(r, z, eps);
            }
            return safeDivide(backend, r, z.add(backend.signPlus(z).mul(eps)));
        }

        @Override
        public String label() {
            return "epsilon " + epsilon;
        }
    }

    /**
     * As {@link SignedEpsilon} with ε = factor · population std (ddof 0) of the layer's input. The canonical
     * references compute the std over the whole input tensor of a batch of one; here it is taken per sample, so
     * that a batch gives the same maps as one call per sample (a batch-wide std would couple the samples).
     */
    record StdScaledEpsilon(double factor) implements Stabiliser {
        @Override
        public NDArray divide(Backend backend, NDArray r, NDArray z, NDArray layerInput) {
            NDArray eps = perSampleStd(layerInput).mul((float) factor);
            long[] dims = new long[z.getShape().dimension()];
            Arrays.fill(dims, 1);
            dims[0] = z.getShape().get(0);
            return safeDivide(backend, r, z.add(backend.signPlus(z).mul(eps.reshape(new Shape(dims)))));
        }

        /** Population standard deviation of each sample, shape (N). */
        static NDArray perSampleStd(NDArray x) {
            NDArray flat = x.reshape(x.getShape().get(0), -1);
            NDArray centred = flat.sub(flat.mean(new int[] {1}, true));
            return centred.square().mean(new int[] {1}).sqrt();
        }

        @Override
        public String label() {
            return "epsilon " + factor + "·std(input)";
        }
    }
}
