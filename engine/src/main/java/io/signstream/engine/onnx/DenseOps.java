package io.signstream.engine.onnx;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Weights;
import io.signstream.engine.onnx.proto.OnnxProto;
import java.util.Arrays;
import java.util.Map;

/** Gemm and MatMul with a constant weight matrix: {@link Layer.Dense}, weight stored (out, in). */
final class DenseOps {

    private DenseOps() {
    }

    static void register(Map<String, OpTranslator> ops) {
        ops.put("Gemm", DenseOps::gemm);
        ops.put("MatMul", DenseOps::matMul);
    }

    /** Y = alpha·A·op(B) + beta·C with A the layer input; alpha and beta are folded into W and b. */
    static void gemm(OnnxProto.Node node, ImportContext ctx) throws ExplainException {
        OnnxAttributes attrs = OnnxAttributes.of(node);
        if (attrs.getInt("transA", 0) != 0) {
            throw ctx.unsupported(node, "transA=1 is not supported (the layer input must be (batch, features))");
        }
        GraphTensor a = input(node, ctx, "Gemm");
        if (!(ctx.value(node, 1) instanceof OnnxConstant)) {
            throw ctx.unsupported(node, "the weight input '" + node.getInput(1)
                    + "' is not an initializer; a Gemm of two computed tensors is not supported");
        }
        OnnxConstant b = ctx.constant(node, 1, "weight");
        if (b.rank() != 2) {
            throw ctx.corrupt(node, "the weight has shape " + Arrays.toString(b.shape()) + ", expected a matrix");
        }
        long transB = attrs.getInt("transB", 0);
        // Dense wants (out, in); Gemm's B is (in, out) unless transB=1 (PyTorch's Linear exports transB=1).
        Weights w = (transB != 0 ? b : b.transpose(new int[] {1, 0})).toWeights();
        checkInFeatures(node, ctx, a, w);
        float alpha = attrs.getFloat("alpha", 1f);
        float beta = attrs.getFloat("beta", 1f);
        int out = (int) w.dim(0);
        Weights bias = null;
        if (ctx.hasInput(node, 2) && beta != 0f) {
            bias = scaled(biasVector(node, ctx, ctx.weights(node, 2, "bias"), out), beta);
        }
        ctx.emit(node, new Layer.Dense(scaled(w, alpha), bias), GraphTensor.withBatch(out), a);
    }

    /**
     * A·B with B constant: a Dense layer without bias over the last axis (a following Add stays a separate
     * constant op); A·B of two computed tensors of the same rank (attention): a {@link Layer.MatMul}.
     */
    static void matMul(OnnxProto.Node node, ImportContext ctx) throws ExplainException {
        if (ctx.value(node, 0) instanceof OnnxConstant) {
            throw ctx.unsupported(node, "a constant left operand is not supported (expected input · constant)");
        }
        if (ctx.value(node, 1) instanceof GraphTensor right) {
            GraphTensor left = ctx.tensor(node, 0);
            if (left.rank() != right.rank() || left.rank() < 3 || left.dim(left.rank() - 1)
                    != right.dim(right.rank() - 2)) {
                throw ctx.unsupported(node, "MatMul of tensors of shapes " + left.describeShape() + " and "
                        + right.describeShape() + " is not supported (expected batched matrices of one rank)");
            }
            long[] out = left.shape().clone();
            out[out.length - 1] = right.dim(right.rank() - 1);
            ctx.emit(node, new Layer.MatMul(), out, left, right);
            return;
        }
        GraphTensor a = ctx.tensor(node, 0);
        if (a.rank() < 2) {
            throw ctx.unsupported(node, "MatMul on an input of shape " + a.describeShape() + " is not supported");
        }
        OnnxConstant b = ctx.constant(node, 1, "right-hand");
        if (b.rank() != 2) {
            throw ctx.unsupported(node, "the constant operand has shape " + Arrays.toString(b.shape())
                    + "; only a matrix is supported");
        }
        Weights w = b.transpose(new int[] {1, 0}).toWeights();
        if (w.dim(1) != a.dim(a.rank() - 1)) {
            throw ctx.corrupt(node, "the weight expects " + w.dim(1) + " input features, the input has "
                    + a.dim(a.rank() - 1));
        }
        long[] out = a.shape().clone();
        out[out.length - 1] = w.dim(0);
        ctx.emit(node, new Layer.Dense(w, null), out, a);
    }

    private static GraphTensor input(OnnxProto.Node node, ImportContext ctx, String op) throws ExplainException {
        GraphTensor a = ctx.tensor(node, 0);
        if (a.rank() != 2) {
            throw ctx.unsupported(node, op + " on an input of shape " + a.describeShape()
                    + " is not supported; only (batch, features) inputs");
        }
        return a;
    }

    private static void checkInFeatures(OnnxProto.Node node, ImportContext ctx, GraphTensor a, Weights w)
            throws ExplainException {
        if (w.dim(1) != a.dim(1)) {
            throw ctx.corrupt(node, "the weight expects " + w.dim(1) + " input features, the input has " + a.dim(1));
        }
    }

    /** C may be (out), (1, out) or a single value: all broadcast over the batch to a bias vector. */
    static Weights biasVector(OnnxProto.Node node, ImportContext ctx, Weights c, int out)
            throws ExplainException {
        if (c.size() == out && (c.rank() == 1 || (c.rank() == 2 && c.dim(0) == 1))) {
            return new Weights(c.data(), new long[] {out});
        }
        if (c.size() == 1) {
            float[] v = new float[out];
            Arrays.fill(v, c.data()[0]);
            return new Weights(v, new long[] {out});
        }
        throw ctx.unsupported(node, "the bias has shape " + Arrays.toString(c.shape())
                + "; supported: (" + out + "), (1, " + out + ") or a scalar");
    }

    static Weights scaled(Weights w, float factor) {
        if (factor == 1f) {
            return w;
        }
        float[] v = w.data().clone();
        for (int i = 0; i < v.length; i++) {
            v[i] *= factor;
        }
        return new Weights(v, w.shape().clone());
    }
}
