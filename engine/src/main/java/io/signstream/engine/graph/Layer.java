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
                Layer.Transpose, Layer.Pad, Layer.Identity {

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
}
