package io.signstream.engine.backend;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.signstream.engine.graph.ConvSpec;
import io.signstream.engine.graph.PoolSpec;

/**
 * The engine-specific part of SignStream: the few operations that DJL does not offer uniformly on every engine.
 * Everything else (element-wise maths, matrix products, reductions, reshapes) is written once against DJL's
 * {@link NDArray} API in the shared code and runs on whichever engine created the arrays.
 *
 * <p>Arrays are always in the model's layout, channels first (N, C, spatial...). A backend whose native
 * convolution wants channels last (TensorFlow on CPU) transposes internally.
 *
 * <pre>{@code
 * try (Backend backend = Backends.open(EngineKind.PYTORCH); NDManager m = backend.newManager()) {
 *     NDArray y = backend.conv(x, w, b, ConvSpec.simple(2, 1, 1));
 * }
 * }</pre>
 */
public interface Backend extends AutoCloseable {

    EngineKind kind();

    /** Where the arrays live, e.g. {@code cpu()} or {@code gpu(0)}. */
    String device();

    /** A fresh manager for one computation; closing it frees every array it created. */
    NDManager newManager();

    /**
     * Cross-correlation (PyTorch/ONNX convention) of x (N, Cin, spatial...) with w (Cout, Cin/groups, k...),
     * plus an optional bias (Cout). 1-D and 2-D.
     */
    NDArray conv(NDArray x, NDArray w, NDArray bias, ConvSpec spec);

    /**
     * The transpose of {@link #conv} with respect to its input: maps g (N, Cout, out-spatial...) to an array of
     * {@code inputShape}. This is the gradient of the convolution, and "backward through W" of every LRP rule.
     */
    NDArray convTranspose(NDArray g, NDArray w, ConvSpec spec, Shape inputShape);

    /** x padded with {@code value} as the pooling window says (x itself when it says no padding). */
    default NDArray padSpatial(NDArray x, PoolSpec spec, float value) {
        return spec.hasPadding() ? padSpatial(x, spec.padBegin(), spec.padEnd(), value) : x;
    }

    /** x (N, C, spatial...) padded with {@code value} on its spatial axes: {@code padBegin[i]} before axis 2+i. */
    default NDArray padSpatial(NDArray x, int[] padBegin, int[] padEnd, float value) {
        int rank = x.getShape().dimension();
        long[] begin = new long[rank];
        long[] end = new long[rank];
        for (int i = 0; i < padBegin.length; i++) {
            begin[2 + i] = padBegin[i];
            end[2 + i] = padEnd[i];
        }
        return pad(x, begin, end, value);
    }

    /**
     * Constant padding of every axis: {@code begin[i]} values before and {@code end[i]} after axis i. The default
     * concatenates constant blocks, which every engine supports.
     */
    default NDArray pad(NDArray x, long[] begin, long[] end, float value) {
        NDArray out = x;
        for (int axis = 0; axis < begin.length; axis++) {
            if (begin[axis] == 0 && end[axis] == 0) {
                continue;
            }
            long[] dims = out.getShape().getShape().clone(); // getShape() is the live array: never mutate it
            NDList parts = new NDList();
            if (begin[axis] > 0) {
                dims[axis] = begin[axis];
                parts.add(out.getManager().full(new Shape(dims), value, out.getDataType()));
            }
            parts.add(out);
            if (end[axis] > 0) {
                long[] e = out.getShape().getShape().clone();
                e[axis] = end[axis];
                parts.add(out.getManager().full(new Shape(e), value, out.getDataType()));
            }
            out = NDArrays.concat(parts, axis);
        }
        return out;
    }

    /**
     * Element-wise choice with broadcasting: {@code a} where {@code condition} holds, else {@code b}. The default is
     * DJL's {@link NDArrays#where}, which DJL's TensorFlow engine does not implement.
     */
    default NDArray where(NDArray condition, NDArray a, NDArray b) {
        return NDArrays.where(condition, a, b);
    }

    /**
     * Max pooling by the engine's own kernel, or null where the backend has none for this geometry; the caller then
     * computes it with depthwise convolutions ({@code exec.Pooling}). Same contract as that: x (N, C, spatial...),
     * padding counts as −∞.
     */
    default NDArray maxPool(NDArray x, PoolSpec spec) {
        return null;
    }

    /**
     * The transpose of {@link #maxPool} by the engine's own kernel (upstream routed to the <em>first</em> maximum of
     * each window in row-major order), or null where {@link #maxPool} has none.
     */
    default NDArray maxPoolBackward(NDArray x, PoolSpec spec, NDArray upstream) {
        return null;
    }

    /**
     * As {@link #maxPoolBackward(NDArray, PoolSpec, NDArray)} with the forward's pooled values at hand, for a
     * kernel that takes them as an input instead of pooling again.
     */
    default NDArray maxPoolBackward(NDArray x, NDArray pooled, PoolSpec spec, NDArray upstream) {
        return maxPoolBackward(x, spec, upstream);
    }

    /**
     * The gradient through ReLU: g where the ReLU's input is > 0, else 0 (0 at 0), given the ReLU's output
     * {@code y = relu(z)}, which is > 0 exactly there. The default is g ⊙ [y > 0] in three element-wise ops; an
     * engine with a faster form overrides it.
     */
    default NDArray reluBackward(NDArray g, NDArray y) {
        return g.mul(y.gt(0f).toType(g.getDataType(), false));
    }

    /**
     * ε-LRP's stabilised division, {@code r / (z + ε·sign₊(z))} (METHODS.md §2.0), r and z of one shape: one pass of
     * {@link NativeKernels} where it takes the arrays, else those element-wise ops (the same float32 values).
     */
    default NDArray epsilonDivide(NDArray r, NDArray z, float epsilon) {
        NDArray fused = NativeKernels.epsilonDivide(r, z, epsilon);
        return fused != null ? fused : r.div(z.add(signPlus(z).mul(epsilon)));
    }

    /**
     * sign₊(z): +1 where z ≥ 0 (−0 included), −1 where z < 0, in z's type; the sign LRP's ε rules shift their
     * denominators by (METHODS.md §2.0). The default is 2·[z ≥ 0] − 1.
     */
    default NDArray signPlus(NDArray z) {
        return z.gte(0f).toType(z.getDataType(), false).mul(2f).sub(1f);
    }

    /**
     * iNNvestigate's SafeDivide, {@code a / (b + [b = 0]·shift)} (−0 included), a and b of one shape: the LRP rules'
     * stabilised division where they add no ε. One pass of {@link NativeKernels} where it takes the arrays, else
     * those element-wise ops (the same float32 values).
     */
    default NDArray safeDivide(NDArray a, NDArray b, float shift) {
        NDArray fused = NativeKernels.safeDivide(a, b, shift);
        return fused != null ? fused : a.div(b.add(valueWhereZero(b, shift)));
    }

    /** {@code value} where b = 0 (−0 included), else 0, in b's type: SafeDivide's shift. The default is value·[b = 0]. */
    default NDArray valueWhereZero(NDArray b, float value) {
        return b.eq(0f).toType(b.getDataType(), false).mul(value);
    }

    @Override
    void close();
}
