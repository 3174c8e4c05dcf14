package io.signstream.engine.onnx;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import io.signstream.engine.graph.ConvSpec;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Node;
import io.signstream.engine.graph.PoolSpec;
import io.signstream.engine.graph.Weights;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The per-sample shape (no batch axis) of every tensor of a graph, for the exporter.
 *
 * <p>The exporter needs shapes for three things: the declared output shape, concrete Reshape targets, and, most of
 * all, refusing before anything is written a graph that {@link OnnxImporter} could not read back (a Flatten that
 * merges the batch, a Dense on a rank-3 tensor, a Transpose that moves the batch, ...). The checks mirror the
 * importer's, so "exported" means "re-importable", and the message names the node.
 */
final class ExportShapes {

    private final Graph graph;
    private final Map<String, long[]> shapes = new HashMap<>();

    private ExportShapes(Graph graph) {
        this.graph = graph;
    }

    /** Infers every node's sample shape, or fails with {@link Kind#UNSUPPORTED_MODEL} naming the node. */
    static ExportShapes infer(Graph graph) throws ExplainException {
        ExportShapes s = new ExportShapes(graph);
        long[] input = graph.sampleShape();
        if (input.length < 1 || input.length > 3) {
            throw new ExplainException(Kind.UNSUPPORTED_MODEL, "cannot export " + graph.name() + " to ONNX: the input"
                    + " has sample shape " + Arrays.toString(input) + "; supported: (features), (C, T), (C, H, W)");
        }
        for (long d : input) {
            if (d < 1) {
                throw new ExplainException(Kind.UNSUPPORTED_MODEL, "cannot export " + graph.name()
                        + " to ONNX: the input sample shape " + Arrays.toString(input) + " is not fixed");
            }
        }
        s.shapes.put(graph.inputName(), input);
        for (Node n : graph.nodes()) {
            s.shapes.put(n.name(), s.nodeShape(n));
        }
        return s;
    }

    /** The sample shape of a tensor (the graph input or a node output). */
    long[] of(String tensor) {
        return shapes.get(tensor).clone();
    }

    private long[] nodeShape(Node n) throws ExplainException {
        long[] x = shapes.get(n.input());
        Layer layer = n.layer();
        if (layer instanceof Layer.Dense d) {
            // over the last axis: Gemm on (N, features), MatMul (+ Add) on (N, …, features)
            if (d.weight().rank() != 2 || d.inFeatures() != x[x.length - 1]) {
                throw fail(n, "weight " + d.weight() + " does not fit " + x[x.length - 1] + " input features");
            }
            checkVector(n, d.bias(), d.outFeatures(), "bias");
            long[] out = x.clone();
            out[out.length - 1] = d.outFeatures();
            return out;
        } else if (layer instanceof Layer.BatchConstant bc) {
            return bc.value().shape();
        } else if (layer instanceof Layer.LayerNorm ln) {
            checkVector(n, ln.scale(), x[x.length - 1], "scale");
            checkVector(n, ln.bias(), x[x.length - 1], "bias");
            return x;
        } else if (layer instanceof Layer.ReduceMean r) {
            int rank = x.length + 1;
            long[] out = x.clone();
            for (int a : r.axes()) {
                int axis = a < 0 ? a + rank : a;
                if (axis < 1 || axis >= rank) {
                    throw fail(n, "ReduceMean over axis " + a + " of a rank-" + rank + " tensor (not the batch)");
                }
                out[axis - 1] = -1;
            }
            return r.keepDims() ? Arrays.stream(out).map(d -> d == -1 ? 1 : d).toArray()
                    : Arrays.stream(out).filter(d -> d != -1).toArray();
        } else if (layer instanceof Layer.Slice sl) {
            if (sl.axis() < 1 || sl.axis() > x.length || sl.start() < 0 || sl.end() > x[sl.axis() - 1]
                    || sl.end() <= sl.start() || (sl.start() == 0 && sl.end() == x[sl.axis() - 1])) {
                throw fail(n, "Slice " + sl.start() + ":" + sl.end() + " along axis " + sl.axis() + " of sample shape "
                        + Arrays.toString(x) + " (a proper part of a non-batch axis)");
            }
            long[] out = x.clone();
            out[sl.axis() - 1] = sl.end() - sl.start();
            return out;
        } else if (layer instanceof Layer.Conv c) {
            spatial(n, x);
            Weights w = c.weight();
            ConvSpec spec = c.spec();
            if (w.rank() != x.length + 1 || spec.spatialRank() != x.length - 1
                    || w.dim(1) * spec.groups() != x[0] || w.dim(0) % spec.groups() != 0) {
                throw fail(n, "weight " + w + " with " + spec + " does not fit sample shape " + Arrays.toString(x));
            }
            checkVector(n, c.bias(), w.dim(0), "bias");
            long[] out = new long[x.length];
            out[0] = w.dim(0);
            for (int i = 0; i < spec.spatialRank(); i++) {
                out[1 + i] = spec.outputLength(i, x[1 + i], w.dim(2 + i));
            }
            return positive(n, out);
        } else if (layer instanceof Layer.MaxPool p) {
            return pooled(n, x, p.spec());
        } else if (layer instanceof Layer.AvgPool p) {
            return pooled(n, x, p.spec());
        } else if (layer instanceof Layer.GlobalPool) {
            spatial(n, x);
            long[] out = x.clone();
            Arrays.fill(out, 1, out.length, 1);
            return out;
        } else if (layer instanceof Layer.BatchNorm bn) {
            for (Weights w : List.of(bn.scale(), bn.bias(), bn.mean(), bn.variance())) {
                checkVector(n, w, x[0], "batch-norm parameter");
            }
            return x;
        } else if (layer instanceof Layer.Add) {
            long[] other = n.inputs().size() == 2 ? shapes.get(n.inputs().get(1)) : null;
            if (other == null || !Arrays.equals(x, other)) {
                throw fail(n, "an add of " + n.inputs().size() + " tensors, sample shapes " + Arrays.toString(x)
                        + " and " + Arrays.toString(other) + " (ONNX import supports two tensors of one shape)");
            }
            return x;
        } else if (layer instanceof Layer.ConstantOp op) {
            checkBroadcast(n, x, op.constant().shape());
            return x;
        } else if (layer instanceof Layer.Concat c) {
            return concat(n, x, c.axis());
        } else if (layer instanceof Layer.Flatten f) {
            if (f.axis() != 1) {
                throw fail(n, "Flatten with axis=" + f.axis() + " merges the batch axis with others");
            }
            return new long[] {count(x)};
        } else if (layer instanceof Layer.Reshape r) {
            return reshaped(n, x, r.shape());
        } else if (layer instanceof Layer.Transpose t) {
            int[] perm = t.permutation();
            if (!isPermutation(perm, x.length + 1) || perm[0] != 0) {
                throw fail(n, "Transpose with perm " + Arrays.toString(perm) + " on a rank-" + (x.length + 1)
                        + " tensor (the batch axis must stay first)");
            }
            long[] out = new long[x.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = x[perm[i + 1] - 1];
            }
            return out;
        } else if (layer instanceof Layer.Pad p) {
            long[] pads = p.pads();
            int rank = x.length + 1;
            if (pads.length != 2 * rank || pads[0] != 0 || pads[rank] != 0) {
                throw fail(n, "pads " + Arrays.toString(pads) + " on a rank-" + rank
                        + " tensor (begin and end per axis, none on the batch axis)");
            }
            long[] out = x.clone();
            for (int i = 1; i < rank; i++) {
                if (pads[i] < 0 || pads[rank + i] < 0) {
                    throw fail(n, "negative padding " + Arrays.toString(pads));
                }
                out[i - 1] += pads[i] + pads[rank + i];
            }
            return out;
        } else if (layer instanceof Layer.Activation || layer instanceof Layer.Identity || layer instanceof Layer.Clip
                || layer instanceof Layer.Softmax) {
            return x;
        } else if (layer instanceof Layer.Multiply || layer instanceof Layer.Divide
                || layer instanceof Layer.Subtract) {
            long[] y = shapes.get(n.inputs().get(1));
            long[] out = TensorOps.broadcastShape(x, y);
            if (out == null || x.length != y.length) {
                throw fail(n, "operands of sample shapes " + Arrays.toString(x) + " and " + Arrays.toString(y)
                        + " do not broadcast");
            }
            return out;
        } else if (layer instanceof Layer.MatMul) {
            long[] y = shapes.get(n.inputs().get(1));
            long[] out = x.clone();
            out[out.length - 1] = y[y.length - 1];
            return out;
        }
        throw fail(n, "layer type " + layer.kind() + " has no ONNX translation");
    }

    private long[] pooled(Node n, long[] x, PoolSpec spec) throws ExplainException {
        spatial(n, x);
        if (spec.spatialRank() != x.length - 1) {
            throw fail(n, spec + " does not fit sample shape " + Arrays.toString(x));
        }
        long[] out = x.clone();
        for (int i = 0; i < spec.spatialRank(); i++) {
            out[1 + i] = spec.outputLength(i, x[1 + i]);
        }
        return positive(n, out);
    }

    private long[] concat(Node n, long[] first, int axis) throws ExplainException {
        int rank = first.length + 1;
        int a = axis < 0 ? axis + rank : axis;
        if (a < 1 || a >= rank) {
            throw fail(n, "Concat along axis " + axis + " of a rank-" + rank + " tensor (not along the batch)");
        }
        long[] out = first.clone();
        out[a - 1] = 0;
        for (String in : n.inputs()) {
            long[] s = shapes.get(in);
            for (int i = 0; i < out.length; i++) {
                if (s.length != first.length || (i != a - 1 && s[i] != first[i])) {
                    throw fail(n, "Concat of sample shapes " + Arrays.toString(first) + " and " + Arrays.toString(s)
                            + " along axis " + axis);
                }
            }
            out[a - 1] += s[a - 1];
        }
        return out;
    }

    /** The per-sample dims of a Reshape target (entry 0 is the batch; 0 copies an input dim, one -1 is inferred). */
    private long[] reshaped(Node n, long[] x, long[] target) throws ExplainException {
        if (target.length < 2 || (target[0] != -1 && target[0] != 0)) {
            throw fail(n, "Reshape to " + Arrays.toString(target) + " (the first entry must be the batch, -1 or 0)");
        }
        long[] out = Arrays.copyOfRange(target, 1, target.length);
        long known = 1;
        int inferred = -1;
        for (int i = 0; i < out.length; i++) {
            if (out[i] == 0) {
                if (i >= x.length) {
                    throw fail(n, "Reshape to " + Arrays.toString(target) + " copies an axis the input lacks");
                }
                out[i] = x[i];
            }
            if (out[i] == -1 && inferred < 0 && target[0] != -1) {
                inferred = i;
            } else if (out[i] < 1) {
                throw fail(n, "Reshape to " + Arrays.toString(target) + " of sample shape " + Arrays.toString(x));
            } else {
                known *= out[i];
            }
        }
        long size = count(x);
        if (inferred >= 0 && size % known == 0) {
            out[inferred] = size / known;
            known = size;
        }
        if (known != size) {
            throw fail(n, "Reshape of sample shape " + Arrays.toString(x) + " to " + Arrays.toString(target));
        }
        return out;
    }

    /** ONNX import checks that a constant broadcasts into the tensor without changing its shape or the batch. */
    private static void checkBroadcast(Node n, long[] x, long[] c) throws ExplainException {
        int rank = x.length + 1;
        boolean ok = c.length <= rank;
        for (int i = 0; ok && i < c.length; i++) {
            int axis = rank - c.length + i;
            ok = c[i] == 1 || (axis > 0 && c[i] == x[axis - 1]);
        }
        if (!ok) {
            throw fail(n, "the constant of shape " + Arrays.toString(c) + " does not broadcast onto sample shape "
                    + Arrays.toString(x) + " without changing it");
        }
    }

    private static void spatial(Node n, long[] x) throws ExplainException {
        if (x.length != 2 && x.length != 3) {
            throw fail(n, "a " + n.layer().kind() + " layer on sample shape " + Arrays.toString(x)
                    + " (ONNX import supports (C, T) and (C, H, W))");
        }
    }

    private static void checkVector(Node n, Weights w, long size, String role) throws ExplainException {
        if (w != null && w.size() != size) {
            throw fail(n, "the " + role + " " + w + " has " + w.size() + " values for " + size + " channels");
        }
    }

    private static long[] positive(Node n, long[] out) throws ExplainException {
        for (long d : out) {
            if (d < 1) {
                throw fail(n, "its output would have the empty sample shape " + Arrays.toString(out));
            }
        }
        return out;
    }

    static long count(long[] shape) {
        long c = 1;
        for (long d : shape) {
            c *= d;
        }
        return c;
    }

    private static boolean isPermutation(int[] perm, int rank) {
        if (perm.length != rank) {
            return false;
        }
        boolean[] seen = new boolean[rank];
        for (int p : perm) {
            if (p < 0 || p >= rank || seen[p]) {
                return false;
            }
            seen[p] = true;
        }
        return true;
    }

    private static ExplainException fail(Node n, String detail) {
        return new ExplainException(Kind.UNSUPPORTED_MODEL,
                "cannot export node '" + n.name() + "' (" + n.layer().kind() + ") to ONNX: " + detail);
    }
}
