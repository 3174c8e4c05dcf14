package io.signstream.engine.graph;

/**
 * What a graph node computes. A closed set: the forward pass, the gradient pass and the LRP rules switch
 * over these types, so adding a layer type means the compiler shows every place that must handle it.
 *
 * <p>All tensors are in the model's own layout with the batch first (NCHW / NCT for ONNX and PyTorch models).
 */
public sealed interface Layer
        permits Layer.Dense, Layer.Conv, Layer.MaxPool, Layer.AvgPool, Layer.GlobalPool, Layer.Activation,
                Layer.BatchNorm, Layer.Add, Layer.ConstantOp, Layer.Concat, Layer.Flatten, Layer.Reshape,
                Layer.Transpose, Layer.Pad, Layer.Identity, Layer.Clip, Layer.Multiply, Layer.Divide,
                Layer.Subtract, Layer.MatMul, Layer.Softmax, Layer.LayerNorm, Layer.ReduceMean, Layer.Slice,
                Layer.BatchConstant {

    /** Short type name used in messages and Grad-CAM layer lookup. */
    String kind();

    /** True for layers that hold a kernel and take an LRP rule (iNNvestigate's "contains a kernel"). */
    default boolean hasKernel() {
        return false;
    }

    /** y = x·Wᵀ + b with W of shape (out, in), x of shape (N, in). */
    record Dense(Weights weight, Weights bias) implements Layer {
        public int inFeatures() {
            return (int) weight.dim(1);
        }

        public int outFeatures() {
            return (int) weight.dim(0);
        }

        @Override
        public String kind() {
            return "dense";
        }

        @Override
        public boolean hasKernel() {
            return true;
        }
    }

    /**
     * 1-D or 2-D cross-correlation; weight (out, in/groups, k...) and optional bias (out).
     *
     * @param spec strides, paddings, dilations and groups
     */
    record Conv(Weights weight, Weights bias, ConvSpec spec) implements Layer {
        public int spatialRank() {
            return weight.rank() - 2;
        }

        @Override
        public String kind() {
            return spatialRank() == 1 ? "conv1d" : "conv2d";
        }

        @Override
        public boolean hasKernel() {
            return true;
        }
    }

    /** Max pooling; ties go to the first maximum of the window in row-major order. */
    record MaxPool(PoolSpec spec) implements Layer {
        @Override
        public String kind() {
            return "maxpool";
        }
    }

    /** Average pooling. */
    record AvgPool(PoolSpec spec, boolean countIncludePad) implements Layer {
        @Override
        public String kind() {
            return "avgpool";
        }
    }

    /** Global average or max pooling over every spatial axis, keeping them as size-1 axes. */
    record GlobalPool(boolean max) implements Layer {
        @Override
        public String kind() {
            return max ? "globalmaxpool" : "globalavgpool";
        }
    }

    /** An element-wise activation function. */
    record Activation(ActivationKind function, float alpha) implements Layer {
        public static Activation of(ActivationKind function) {
            return new Activation(function, 0f);
        }

        @Override
        public String kind() {
            return function.name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Inference-mode batch normalisation over axis 1: y = scale·(x − mean)/√(var + eps) + bias. */
    record BatchNorm(Weights scale, Weights bias, Weights mean, Weights variance, float epsilon) implements Layer {
        @Override
        public String kind() {
            return "batchnorm";
        }
    }

    /** Element-wise sum of two graph tensors (residual connections). */
    record Add() implements Layer {
        @Override
        public String kind() {
            return "add";
        }
    }

    /** A graph tensor combined element-wise with a constant (normalisation, scaling), with broadcasting. */
    record ConstantOp(ConstantOpKind op, Weights constant, boolean constantFirst) implements Layer {
        @Override
        public String kind() {
            return op.name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Concatenation of several graph tensors along an axis. */
    record Concat(int axis) implements Layer {
        @Override
        public String kind() {
            return "concat";
        }
    }

    /** Flattens every axis from {@code axis} on into one, in the model's own order. */
    record Flatten(int axis) implements Layer {
        @Override
        public String kind() {
            return "flatten";
        }
    }

    /** Reshape to a target shape whose first entry is the batch (−1 allowed once, 0 copies the input dim). */
    record Reshape(long[] shape) implements Layer {
        @Override
        public String kind() {
            return "reshape";
        }
    }

    /** Axis permutation. */
    record Transpose(int[] permutation) implements Layer {
        @Override
        public String kind() {
            return "transpose";
        }
    }

    /** Constant padding: {@code pads} holds begin values for every axis, then end values (ONNX order). */
    record Pad(long[] pads, float value) implements Layer {
        @Override
        public String kind() {
            return "pad";
        }
    }

    /** Identity and inference-mode Dropout. */
    record Identity(String originalOp) implements Layer {
        @Override
        public String kind() {
            return "identity";
        }
    }

    /**
     * Element-wise clamp to [min, max] with constant bounds: ReLU6 (0, 6), hardtanh (−1, 1), ONNX {@code Clip}
     * with constant bounds. The derivative is 1 strictly inside the interval and 0 outside and at the bounds.
     */
    record Clip(float min, float max) implements Layer {
        /** ReLU6 = Clip(0, 6). */
        public static Clip relu6() {
            return new Clip(0f, 6f);
        }

        @Override
        public String kind() {
            return min == 0f && max == 6f ? "relu6" : "clip";
        }
    }

    /**
     * Element-wise product of two graph tensors with NumPy broadcasting: squeeze-excitation gates, SiLU written
     * as {@code x * sigmoid(x)} when not fused, attention scaling by a computed tensor. The gradient follows the
     * product rule. For LRP, {@code gate} names the operand that is a gate (computed by a sigmoid-like function
     * with values in [0, 1]): relevance goes to the other operand with the gate held constant. Without a gate
     * ({@link #NO_GATE}) the product is bilinear and relevance is split equally between the operands (AttnLRP's
     * uniform rule); see docs/methods.md.
     *
     * @param gate 0 or 1: the operand that is a gate; {@link #NO_GATE} for none
     */
    record Multiply(int gate) implements Layer {
        /** No operand is a gate. */
        public static final int NO_GATE = -1;

        public Multiply {
            if (gate < NO_GATE || gate > 1) {
                throw new IllegalArgumentException("gate must be 0, 1 or NO_GATE, got " + gate);
            }
        }

        @Override
        public String kind() {
            return "multiply";
        }
    }

    /** Element-wise quotient of two graph tensors (numerator, denominator) with broadcasting. */
    record Divide() implements Layer {
        @Override
        public String kind() {
            return "divide";
        }
    }

    /** Element-wise difference of two graph tensors (minuend, subtrahend) with broadcasting. */
    record Subtract() implements Layer {
        @Override
        public String kind() {
            return "subtract";
        }
    }

    /**
     * Matrix product of two graph tensors over their last two axes, batched over the leading ones with
     * broadcasting (attention scores Q·Kᵀ and the weighted values A·V). LRP: AttnLRP's uniform rule.
     */
    record MatMul() implements Layer {
        @Override
        public String kind() {
            return "matmul";
        }
    }

    /** Softmax along an axis inside the graph (attention weights). A trailing softmax is removed by the importers. */
    record Softmax(int axis) implements Layer {
        @Override
        public String kind() {
            return "softmax";
        }
    }

    /**
     * Layer normalisation over the last axis: y = scale·(x − mean)/√(var + ε) + bias with the population
     * variance of the last axis (PyTorch {@code layer_norm}, ONNX {@code LayerNormalization} with axis −1, Keras
     * {@code LayerNormalization}). The decomposed ONNX form is fused into this layer on import.
     *
     * @param scale γ (last-axis length), or null for none
     * @param bias β (last-axis length), or null for none
     */
    record LayerNorm(Weights scale, Weights bias, float epsilon) implements Layer {
        @Override
        public String kind() {
            return "layernorm";
        }
    }

    /**
     * Mean over the given axes (never the batch axis).
     *
     * @param axes the axes, never the batch axis; negative ones count from the end (−1 = last), which is how
     *     the fused LayerNorm pattern recognises a mean over the last axis
     * @param keepDims whether the reduced axes stay as size-1 axes
     */
    record ReduceMean(int[] axes, boolean keepDims) implements Layer {
        @Override
        public String kind() {
            return "reducemean";
        }
    }

    /**
     * The elements {@code start, start+1, …, end−1} along one non-batch axis (ONNX Slice/Split/Gather of a
     * single index, PyTorch {@code slice}/{@code select}/{@code chunk}); a Gather of one index is this slice
     * followed by a Reshape that drops the axis.
     */
    record Slice(int axis, long start, long end) implements Layer {
        @Override
        public String kind() {
            return "slice";
        }
    }

    /**
     * A constant repeated over the batch of its input, which it reads only for the batch size: ViT's class
     * token, {@code expand}ed to the batch and concatenated to the patch embeddings. Nothing flows back to the
     * input: the gradient is zero, and LRP relevance that reaches the constant stays there (it is not part of
     * the input's explanation; docs/methods.md says how much).
     *
     * @param value one sample's value, without the batch axis
     */
    record BatchConstant(Weights value) implements Layer {
        @Override
        public String kind() {
            return "batchconstant";
        }
    }
}
