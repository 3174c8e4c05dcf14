package io.signstream.engine.testing;

import io.signstream.engine.graph.ActivationKind;
import io.signstream.engine.graph.ConvSpec;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Node;
import io.signstream.engine.graph.PoolSpec;
import io.signstream.engine.graph.TensorLayout;
import io.signstream.engine.graph.Weights;
import java.util.List;

/** The tiny MLP and tiny CNN of METHODS.md §7, built by hand with the graph types. */
public final class TinyModels {

    public static final float[] MLP_X = {1.0f, -0.5f, 0.0f, 2.0f};
    public static final long[] MLP_SHAPE = {1, 4};

    public static final float[] CNN_X = {
        1.0f, -0.5f, 0.0f, 2.0f,
        0.5f, 1.5f, -1.0f, 0.25f,
        -2.0f, 0.75f, 1.0f, -0.25f,
        0.0f, 1.0f, 0.5f, -1.5f};
    public static final long[] CNN_SHAPE = {1, 1, 4, 4};

    private TinyModels() {
    }

    /** Dense(4→3) → ReLU → Dense(3→2), y = W x + b. */
    public static Graph mlp() {
        Weights w1 = new Weights(new float[] {
            0.5f, -1.0f, 0.25f, 0.8f,
            -0.3f, 0.6f, 1.2f, -0.7f,
            0.9f, 0.4f, -0.5f, 0.2f}, new long[] {3, 4});
        Weights b1 = new Weights(new float[] {-0.5f, 0.3f, -0.05f}, new long[] {3});
        Weights w2 = new Weights(new float[] {
            1.0f, 0.5f, -0.7f,
            -0.6f, 0.8f, 0.3f}, new long[] {2, 3});
        Weights b2 = new Weights(new float[] {0.05f, -0.1f}, new long[] {2});
        return new Graph("tiny_mlp", "input", new long[] {4}, TensorLayout.NC, List.of(
                new Node("fc1", new Layer.Dense(w1, b1), "input"),
                new Node("relu1", Layer.Activation.of(ActivationKind.RELU), "fc1"),
                new Node("fc2", new Layer.Dense(w2, b2), "relu1")));
    }

    /** Conv2d(1→2, k3, stride 1, pad 1) → ReLU → MaxPool(2) → Flatten (C,H,W) → Dense(8→2). */
    public static Graph cnn() {
        Weights k = new Weights(new float[] {
            0.2f, -0.1f, 0.0f, 0.4f, 0.3f, -0.2f, 0.1f, 0.0f, 0.5f,
            -0.3f, 0.2f, 0.1f, 0.0f, -0.4f, 0.6f, 0.2f, 0.1f, -0.1f}, new long[] {2, 1, 3, 3});
        Weights kb = new Weights(new float[] {0.05f, -0.02f}, new long[] {2});
        Weights w = new Weights(new float[] {
            0.3f, -0.2f, 0.5f, 0.1f, -0.4f, 0.6f, 0.2f, -0.1f,
            -0.2f, 0.4f, -0.1f, 0.3f, 0.5f, -0.3f, 0.1f, 0.2f}, new long[] {2, 8});
        Weights b = new Weights(new float[] {0.01f, -0.03f}, new long[] {2});
        return new Graph("tiny_cnn", "input", new long[] {1, 4, 4}, TensorLayout.NCHW, List.of(
                new Node("conv", new Layer.Conv(k, kb, ConvSpec.simple(2, 1, 1)), "input"),
                new Node("relu", Layer.Activation.of(ActivationKind.RELU), "conv"),
                new Node("pool", new Layer.MaxPool(PoolSpec.square(2, 2)), "relu"),
                new Node("flatten", new Layer.Flatten(1), "pool"),
                new Node("fc", new Layer.Dense(w, b), "flatten")));
    }
}
