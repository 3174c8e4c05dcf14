package io.signstream.engine.onnx;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.signstream.engine.backend.Backend;
import io.signstream.engine.exec.BoundGraph;
import io.signstream.engine.exec.ForwardPass;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.npy.NpyArray;

/** Runs an imported graph forward on a backend and returns the output as plain floats (test helper). */
final class OnnxForward {

    private OnnxForward() {
    }

    static float[] run(Backend backend, Graph graph, float[] x, long... shape) {
        try (BoundGraph model = new BoundGraph(graph, backend); NDManager m = backend.newManager()) {
            NDArray in = m.create(x, new Shape(shape));
            return ForwardPass.run(model, in).output().toFloatArray();
        }
    }

    static float[] run(Backend backend, Graph graph, NpyArray x) {
        return run(backend, graph, x.data(), x.shape());
    }

    static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
        }
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs((double) a[i] - b[i]));
        }
        return max;
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
