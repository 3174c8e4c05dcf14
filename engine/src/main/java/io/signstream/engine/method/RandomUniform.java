package io.signstream.engine.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.signstream.engine.api.ExplainException;
import io.signstream.engine.exec.BoundGraph;
import io.signstream.engine.graph.TensorLayout;

/**
 * The {@code random_uniform} baseline (METHODS.md §2.3): {@code np.random.seed(1)}, then U(−1, 1) with one value
 * per position of the sample's non-channel axes in row-major order (H×W for an image, T for a sequence, every
 * feature of a vector), the same value in every channel. Legacy SignXAI draws it per sample with a fresh seed, so
 * every sample of a batch gets the same map. The draws are numpy's, bit for bit ({@link NumpyRandomState}); the
 * map is returned in float32 like every map. {@code seed} (default 1) changes the seed.
 */
final class RandomUniform {

    private RandomUniform() {
    }

    static NDArray map(BoundGraph model, NDArray x, MethodParams params) throws ExplainException {
        long seed = params.seed(1L);
        if (seed < 0 || seed > 0xffffffffL) {
            throw new ExplainException(ExplainException.Kind.BAD_PARAMETER,
                    "random_uniform's seed is numpy's: 0 .. 4294967295, got " + seed);
        }
        long[] dims = x.getShape().getShape();
        int channelAxis = channelAxis(model.graph().layout(), dims.length);
        long perSample = x.getShape().size() / dims[0];
        long channels = channelAxis < 0 ? 1 : dims[channelAxis];
        long positions = perSample / channels;
        NumpyRandomState random = new NumpyRandomState(seed);
        float[] draws = new float[(int) positions];
        for (int i = 0; i < positions; i++) {
            draws[i] = (float) random.uniform(-1.0, 1.0);
        }
        float[] out = new float[(int) (dims[0] * perSample)];
        // Row-major walk of one sample: the draw index skips the channel axis.
        long inner = 1;
        for (int a = dims.length - 1; a > Math.max(channelAxis, 0); a--) {
            inner *= dims[a];
        }
        for (int s = 0; s < dims[0]; s++) {
            for (int i = 0; i < perSample; i++) {
                int draw;
                if (channelAxis < 0) {
                    draw = i;
                } else {
                    long outer = i / (inner * channels);
                    draw = (int) (outer * inner + i % inner);
                }
                out[(int) (s * perSample + i)] = draws[draw];
            }
        }
        return x.getManager().create(out, new Shape(dims));
    }

    /** The channel axis of the input, or −1 when it has none (a feature vector, or a rank the layout lacks). */
    private static int channelAxis(TensorLayout layout, int rank) {
        return switch (layout) {
            case NCHW -> rank == 4 ? 1 : -1;
            case NHWC -> rank == 4 ? 3 : -1;
            case NCT -> rank == 3 ? 1 : -1;
            case NTC -> rank == 3 ? 2 : -1;
            case NC -> -1;
        };
    }
}
