package io.signstream.engine.torchscript;

import io.signstream.engine.api.ExplainException.Kind;
import io.signstream.engine.graph.ActivationKind;
import io.signstream.engine.graph.ConstantOpKind;
import io.signstream.engine.graph.ConvSpec;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.PoolSpec;
import io.signstream.engine.graph.Weights;
import io.signstream.engine.torchscript.TorchScriptValues.BatchDim;
import io.signstream.engine.torchscript.TorchScriptValues.BatchExpandedParam;
import io.signstream.engine.torchscript.TorchScriptValues.ParamVal;
import io.signstream.engine.torchscript.TorchScriptValues.PendingSoftmax;
import io.signstream.engine.torchscript.TorchScriptValues.TensorVal;
import io.signstream.engine.torchscript.TorchScriptValues.Unsupported;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** One call of a {@code torch.*} operator: argument access by position or keyword, and the mapping to layers. */
final class TorchScriptOps {
    private final TorchScriptInterpreter in;
    private final String op;
    private final List<Object> args;
    private final Map<String, Object> kwargs;
    private final Map<String, Object> env;

    TorchScriptOps(TorchScriptInterpreter in, String op, List<Object> args, Map<String, Object> kwargs, Map<String, Object> env) {
        this.in = in;
        this.op = op;
        this.args = args;
        this.kwargs = kwargs;
        this.env = env;
    }

    /** The ops that know the per-sample view ({@link TensorVal#perSample()}); others refuse it. */
    private static final Set<String> PER_SAMPLE_OPS = Set.of("linear", "matmul", "bmm", "relu", "relu_",
            "sigmoid", "sigmoid_", "tanh", "tanh_", "gelu", "silu", "silu_", "dropout", "dropout_", "contiguous",
            "add", "add_", "sub", "sub_", "mul", "mul_", "div", "div_", "softmax", "size", "view", "reshape",
            "transpose", "permute", "chunk", "layer_norm", "select", "slice");

    Object apply() {
        Object folded = scalarArithmetic();
        if (folded != null) {
            return folded;
        }
        if (!PER_SAMPLE_OPS.contains(op) && args.stream().anyMatch(a -> a instanceof TensorVal t && t.perSample())) {
            throw fail("on a tensor whose batch axis an earlier transpose moved (the per-sample view inside a "
                    + "sequence-first attention); supported there: " + String.join(", ",
                    new java.util.TreeSet<>(PER_SAMPLE_OPS)));
        }
        switch (op) {
            case "transpose":
                return transpose();
            case "chunk":
                return chunk();
            case "bmm":
                return matMulOfTensors();
            case "expand":
                return expand();
            case "select":
                return select();
            case "slice":
                return slice();
            case "_convolution":
                if (bool(6, "transposed", false)) {
                    throw fail("transposed convolution");
                }
                return conv(tensor(0), param(1), optParam(2, "bias"), ints(3, "stride"), padding(4),
                        ints(5, "dilation"), (int) integer(8, "groups", 1));
            case "conv1d":
            case "conv2d":
                return conv(tensor(0), param(1), optParam(2, "bias"), intsOr(3, "stride", 1),
                        padding(4), intsOr(5, "dilation", 1), (int) integer(6, "groups", 1));
            case "linear":
                return dense(tensor(0), param(1), optParam(2, "bias"), false);
            case "addmm": {
                if (number(3, "beta", 1) != 1 || number(4, "alpha", 1) != 1) {
                    throw fail("addmm with beta or alpha other than 1");
                }
                return dense(tensor(1), param(2), param(0), true);
            }
            case "matmul":
                if (arg(1, "other") instanceof TensorVal) {
                    return matMulOfTensors();
                }
                return dense(tensor(0), param(1), null, true);
            case "t":
                if (arg(0, "self") instanceof ParamVal p && !p.transposed()) {
                    return new ParamVal(p.name(), p.record(), true);
                }
                throw fail("torch.t of a graph tensor");
            case "relu":
            case "relu_":
                return activation(ActivationKind.RELU, 0f);
            case "sigmoid":
            case "sigmoid_":
                return activation(ActivationKind.SIGMOID, 0f);
            case "tanh":
            case "tanh_":
                return activation(ActivationKind.TANH, 0f);
            case "leaky_relu":
            case "leaky_relu_":
                return activation(ActivationKind.LEAKY_RELU, (float) number(1, "negative_slope", 0.01));
            case "hardtanh":
            case "hardtanh_":
                return clip((float) number(1, "min_val", -1), (float) number(2, "max_val", 1));
            case "relu6":
            case "relu6_":
                return clip(0f, 6f);
            case "silu":
            case "silu_":
                return activation(ActivationKind.SILU, 0f);
            case "hardswish":
            case "hardswish_":
                return activation(ActivationKind.HARD_SWISH, 0f);
            case "hardsigmoid":
            case "hardsigmoid_":
                return activation(ActivationKind.HARD_SIGMOID, 1f / 6f);
            case "gelu": {
                Object approximate = arg(1, "approximate");
                return activation("tanh".equals(approximate) ? ActivationKind.GELU_TANH : ActivationKind.GELU,
                        0f);
            }
            case "permute":
                return permute();
            case "layer_norm":
                return layerNorm();
            case "max_pool1d":
            case "max_pool2d":
                return pool(true);
            case "avg_pool1d":
            case "avg_pool2d":
                return pool(false);
            case "adaptive_avg_pool1d":
            case "adaptive_avg_pool2d":
                return adaptiveAvgPool();
            case "batch_norm":
                return batchNorm();
            case "flatten":
                return flatten();
            case "view":
            case "reshape":
                return reshape();
            case "dropout":
            case "dropout_":
            case "feature_dropout":
            case "feature_dropout_":
            case "alpha_dropout":
            case "alpha_dropout_":
            case "feature_alpha_dropout":
                if (bool(2, "train", false)) {
                    throw fail("dropout in training mode");
                }
                return emit(new Layer.Identity("Dropout"), tensor(0), tensor(0).shape());
            case "contiguous":
                return tensor(0);
            case "add":
            case "add_":
            case "sub":
            case "sub_":
            case "mul":
            case "mul_":
            case "div":
            case "div_":
                return arithmetic();
            case "cat":
                return concat();
            case "size":
                return size();
            case "softmax":
            case "log_softmax": {
                TensorVal x = tensor(0);
                int dim = torchAxis(x, integer(1, "dim", -1));
                if (dim == 0 && !x.perSample()) {
                    throw fail(op + " over the batch axis");
                }
                if (x.softmax() != null) {
                    x = in.emit(new Layer.Identity("softmax"), List.of(x), x.shape(), "softmax", x.perSample());
                }
                boolean last = dim == x.torchRank() - 1;
                return new TensorVal(x.id(), x.shape(), new PendingSoftmax(last ? -1 : x.graphAxis(dim),
                        op.equals("log_softmax")), x.perSample());
            }
            default:
                throw fail(null);
        }
    }

    // ---------------------------------------------------------- layers

    private TensorVal conv(TensorVal x, ParamVal weight, ParamVal bias, int[] stride, Object padding,
            int[] dilation, int groups) {
        Weights w = in.weights(weight);
        int k = w.rank() - 2;
        if (k != 1 && k != 2) {
            throw fail("a " + k + "-d convolution");
        }
        if (x.shape().length != k + 1) {
            throw shape("a conv" + k + "d needs (C, " + (k == 1 ? "T" : "H, W") + ") samples, got "
                    + Arrays.toString(x.shape()));
        }
        int[] s = expand(stride, k, "stride");
        int[] d = expand(dilation, k, "dilation");
        int[] padBegin = new int[k];
        int[] padEnd = new int[k];
        if (padding instanceof String mode) {
            if (mode.equals("same")) {
                for (int i = 0; i < k; i++) {
                    // PyTorch's 'same': total d·(k−1), the odd one at the end
                    int total = d[i] * (int) (w.dim(2 + i) - 1);
                    padBegin[i] = total / 2;
                    padEnd[i] = total - total / 2;
                }
            } else if (!mode.equals("valid")) {
                throw fail("padding mode '" + mode + "'");
            }
        } else {
            padBegin = expand(toInts(padding, "padding"), k, "padding");
            padEnd = padBegin.clone();
        }
        ConvSpec spec = new ConvSpec(s, padBegin, padEnd, d, groups);
        long inChannels = w.dim(1) * groups;
        if (x.shape()[0] != inChannels) {
            throw shape("the convolution expects " + inChannels + " input channels, the sample has "
                    + x.shape()[0]);
        }
        Weights b = bias == null ? null : in.weights(bias);
        long[] out = new long[k + 1];
        out[0] = w.dim(0);
        for (int i = 0; i < k; i++) {
            out[1 + i] = spec.outputLength(i, x.shape()[1 + i], w.dim(2 + i));
            if (out[1 + i] <= 0) {
                throw shape("the convolution's output would be empty for input " + Arrays.toString(x.shape()));
            }
        }
        return emit(new Layer.Conv(w, b, spec), x, out);
    }

    private TensorVal dense(TensorVal x, ParamVal weight, ParamVal bias, boolean mustBeTransposed) {
        if (weight.transposed() != mustBeTransposed) {
            throw fail(mustBeTransposed ? "a matrix product with a weight not given as torch.t(weight)"
                    : "linear with a transposed weight");
        }
        Weights w = in.weights(weight);
        if (w.rank() != 2) {
            throw fail("a linear layer with a rank-" + w.rank() + " weight");
        }
        long features = x.shape()[x.shape().length - 1];
        if (features != w.dim(1)) {
            throw shape("the linear layer expects " + w.dim(1) + " features, the tensor has " + features);
        }
        Weights b = bias == null ? null : in.weights(bias);
        if (b != null && b.size() != w.dim(0)) {
            throw new Unsupported(Kind.CORRUPT_MODEL, "bias " + bias.name() + " has " + b.size()
                    + " values for " + w.dim(0) + " outputs");
        }
        long[] out = x.shape().clone();
        out[out.length - 1] = w.dim(0);
        return emit(new Layer.Dense(w, b), x, out);
    }

    private TensorVal activation(ActivationKind kind, float alpha) {
        TensorVal x = tensor(0);
        TensorVal y = emit(kind == ActivationKind.LEAKY_RELU || kind == ActivationKind.HARD_SIGMOID
                ? new Layer.Activation(kind, alpha) : Layer.Activation.of(kind), x, x.shape());
        if (op.endsWith("_")) {
            rebind(x, y);
        }
        return y;
    }

    /** hardtanh / relu6: a clamp to constant bounds. */
    private TensorVal clip(float min, float max) {
        TensorVal x = tensor(0);
        TensorVal y = emit(new Layer.Clip(min, max), x, x.shape());
        if (op.endsWith("_")) {
            rebind(x, y);
        }
        return y;
    }

    /**
     * An axis permutation (ConvNeXt's channels-last LayerNorm and Linear); one that moves the batch axis enters
     * the per-sample view.
     */
    private TensorVal permute() {
        TensorVal x = tensor(0);
        int[] dims = ints(1, "dims");
        int rank = x.torchRank();
        if (dims.length != rank) {
            throw fail("permute of a rank-" + rank + " tensor with " + dims.length + " axes");
        }
        boolean[] seen = new boolean[rank];
        for (int i = 0; i < rank; i++) {
            dims[i] = torchAxis(x, dims[i]);
            if (seen[dims[i]]) {
                throw fail("permute with axes " + Arrays.toString(dims));
            }
            seen[dims[i]] = true;
        }
        return permuted(x, dims);
    }

    /** layer_norm(input, normalized_shape, weight, bias, eps) over the last axis. */
    private TensorVal layerNorm() {
        TensorVal x = tensor(0);
        int[] normalized = ints(1, "normalized_shape");
        long last = x.shape()[x.shape().length - 1];
        if (normalized.length != 1 || normalized[0] != last) {
            throw fail("layer_norm over " + Arrays.toString(normalized) + " of samples "
                    + Arrays.toString(x.shape()) + " (only over the last axis)");
        }
        ParamVal gamma = optParam(2, "weight");
        ParamVal beta = optParam(3, "bias");
        Weights scale = gamma == null ? null : flat(in.weights(gamma));
        Weights bias = beta == null ? null : flat(in.weights(beta));
        float eps = (float) number(4, "eps", 1e-5);
        return emit(new Layer.LayerNorm(scale, bias, eps), x, x.shape());
    }

    private TensorVal pool(boolean max) {
        TensorVal x = tensor(0);
        int k = op.endsWith("1d") ? 1 : 2;
        if (x.shape().length != k + 1) {
            throw shape(op + " needs rank-" + (k + 2) + " tensors, got a sample of " + Arrays.toString(x.shape()));
        }
        int[] kernel = expand(ints(1, "kernel_size"), k, "kernel_size");
        Object strideValue = arg(2, "stride");
        int[] strideArg = strideValue == null ? new int[0] : toInts(strideValue, "stride"); // [] or None: the kernel
        int[] stride = strideArg.length == 0 ? kernel.clone() : expand(strideArg, k, "stride");
        int[] pad = expand(intsOr(3, "padding", 0), k, "padding");
        boolean ceil;
        boolean countIncludePad = true;
        if (max) {
            int[] dilation = expand(intsOr(4, "dilation", 1), k, "dilation");
            for (int dd : dilation) {
                if (dd != 1) {
                    throw fail("dilated max pooling");
                }
            }
            ceil = bool(5, "ceil_mode", false);
        } else {
            ceil = bool(4, "ceil_mode", false);
            countIncludePad = bool(5, "count_include_pad", true);
            if (k == 2 && arg(6, "divisor_override") != null) {
                throw fail("avg_pool2d with divisor_override");
            }
        }
        PoolSpec spec = new PoolSpec(kernel, stride, pad, pad.clone());
        if (ceil) {
            PoolSpec ceilSpec = spec.withCeilMode(Arrays.copyOfRange(x.shape(), 1, k + 1));
            if (!max && !ceilSpec.samePadding(spec)) {
                throw fail(op + " with ceil_mode=True where it adds a partial window (average pooling would "
                        + "have to exclude it from its divisor; use ceil_mode=False or an input size whose "
                        + "windows tile it)");
            }
            spec = ceilSpec;
        }
        long[] out = new long[k + 1];
        out[0] = x.shape()[0];
        for (int i = 0; i < k; i++) {
            long rest = x.shape()[1 + i] + 2L * pad[i] - kernel[i];
            if (rest < 0) {
                throw shape(op + " window " + kernel[i] + " is larger than the input " + x.shape()[1 + i]);
            }
            out[1 + i] = spec.outputLength(i, x.shape()[1 + i]);
        }
        Layer layer = max ? new Layer.MaxPool(spec) : new Layer.AvgPool(spec, countIncludePad);
        return emit(layer, x, out);
    }

    private TensorVal adaptiveAvgPool() {
        TensorVal x = tensor(0);
        int k = op.endsWith("1d") ? 1 : 2;
        if (x.shape().length != k + 1) {
            throw shape(op + " needs rank-" + (k + 2) + " tensors, got a sample of " + Arrays.toString(x.shape()));
        }
        int[] size = expand(ints(1, "output_size"), k, "output_size");
        boolean global = true;
        int[] kernel = new int[k];
        long[] out = new long[k + 1];
        out[0] = x.shape()[0];
        for (int i = 0; i < k; i++) {
            long len = x.shape()[1 + i];
            global &= size[i] == 1;
            if (size[i] <= 0 || len % size[i] != 0) {
                throw fail(op + " to " + Arrays.toString(size) + " from " + Arrays.toString(x.shape())
                        + " (windows of unequal size)");
            }
            kernel[i] = (int) (len / size[i]);
            out[1 + i] = size[i];
        }
        if (global) {
            return emit(new Layer.GlobalPool(false), x, out);
        }
        // an output size that divides the input is plain average pooling with window = stride = in/out
        return emit(new Layer.AvgPool(new PoolSpec(kernel, kernel.clone(), new int[k], new int[k]), true), x, out);
    }

    private TensorVal batchNorm() {
        TensorVal x = tensor(0);
        if (bool(5, "training", false)) {
            throw fail("batch_norm in training mode");
        }
        ParamVal mean = optParam(3, "running_mean");
        ParamVal var = optParam(4, "running_var");
        if (mean == null || var == null) {
            throw fail("batch_norm without running statistics");
        }
        Weights m = in.weights(mean);
        Weights v = in.weights(var);
        long c = m.size();
        if (x.shape()[0] != c) {
            throw shape("batch norm " + mean.name() + " has " + c + " channels, the tensor " + x.shape()[0]);
        }
        ParamVal gamma = optParam(1, "weight");
        ParamVal beta = optParam(2, "bias");
        float[] ones = new float[(int) c];
        Arrays.fill(ones, 1f);
        Weights scale = gamma == null ? new Weights(ones, new long[] {c}) : in.weights(gamma);
        Weights bias = beta == null ? new Weights(new float[(int) c], new long[] {c}) : in.weights(beta);
        float eps = (float) number(7, "eps", 1e-5);
        return emit(new Layer.BatchNorm(flat(scale), flat(bias), flat(m), flat(v), eps), x, x.shape());
    }

    private TensorVal flatten() {
        TensorVal x = tensor(0);
        int rank = x.shape().length + 1;
        long start = integer(1, "start_dim", 0);
        long end = integer(2, "end_dim", -1);
        start = start < 0 ? start + rank : start;
        end = end < 0 ? end + rank : end;
        if (start != 1 || end != rank - 1) {
            if (rank == 2 && start == 1 && end == 1) {
                return x; // nothing to flatten
            }
            throw fail("flatten from axis " + start + " to " + end + " (only from axis 1 to the end)");
        }
        return emit(new Layer.Flatten(1), x, new long[] {product(x.shape())});
    }

    private TensorVal reshape() {
        TensorVal x = tensor(0);
        Object target = arg(1, op.equals("view") ? "size" : "shape");
        if (!(target instanceof List<?> dims) || dims.isEmpty()) {
            throw fail(op + " to a computed shape");
        }
        if (x.perSample()) {
            return reshapePerSample(x, dims);
        }
        long total = product(x.shape());
        long[] rest = new long[dims.size() - 1];
        int inferred = -1;
        long known = 1;
        for (int i = 1; i < dims.size(); i++) {
            if (!(dims.get(i) instanceof Long d) || d < -1 || d == 0) {
                throw fail(op + " with a target dimension " + dims.get(i));
            }
            if (d == -1) {
                if (inferred >= 0) {
                    throw fail(op + " with two inferred dimensions");
                }
                inferred = i - 1;
            } else {
                known *= d;
            }
            rest[i - 1] = d;
        }
        Object first = dims.get(0);
        boolean batchKept = first == BatchDim.INSTANCE
                || (first instanceof Long f && f == -1 && inferred < 0 && known == total);
        if (!batchKept) {
            throw fail(op + " whose first dimension (" + first + ") is not the batch size");
        }
        if (inferred >= 0) {
            if (known == 0 || total % known != 0) {
                throw shape(op + " of " + Arrays.toString(x.shape()) + " to " + dims);
            }
            rest[inferred] = total / known;
        } else if (known != total) {
            throw shape(op + " of " + Arrays.toString(x.shape()) + " to " + dims);
        }
        if (rest.length == 1) {
            return emit(new Layer.Flatten(1), x, rest);
        }
        long[] shape = new long[rest.length + 1];
        shape[0] = -1; // the batch, inferred by the reshape
        System.arraycopy(rest, 0, shape, 1, rest.length);
        return emit(new Layer.Reshape(shape), x, rest);
    }

    /** A view of one sample to the trace's target (its batch of 1 included): every entry a number. */
    private TensorVal reshapePerSample(TensorVal x, List<?> dims) {
        long total = product(x.shape());
        long[] out = new long[dims.size()];
        int inferred = -1;
        long known = 1;
        for (int i = 0; i < out.length; i++) {
            if (!(dims.get(i) instanceof Long d) || d < -1 || d == 0) {
                throw fail(op + " with a target dimension " + dims.get(i) + " after a transpose moved the batch "
                        + "axis");
            }
            if (d == -1) {
                if (inferred >= 0) {
                    throw fail(op + " with two inferred dimensions");
                }
                inferred = i;
            } else {
                known *= d;
            }
            out[i] = d;
        }
        if (inferred >= 0 && known > 0 && total % known == 0) {
            out[inferred] = total / known;
            known = total;
        }
        if (known != total) {
            throw shape(op + " of one sample " + Arrays.toString(x.shape()) + " to " + dims);
        }
        return emit(TorchScriptInterpreter.reshapeLayer(out), x, out);
    }

    private Object arithmetic() {
        String base = op.endsWith("_") ? op.substring(0, op.length() - 1) : op;
        ConstantOpKind kind = ConstantOpKind.valueOf(base.toUpperCase(java.util.Locale.ROOT));
        if (arg(0, "input") instanceof ParamVal p && arg(1, "other") instanceof TensorVal t) {
            // a parameter times a tensor (ConvNeXt's layer scale): a constant op with the constant first
            if (number(2, "alpha", 1) != 1) {
                throw fail(base + " with alpha");
            }
            return emit(new Layer.ConstantOp(kind, in.weights(p), true), t, t.shape());
        }
        TensorVal x = tensor(0);
        Object other = arg(1, "other");
        double alpha = number(2, "alpha", 1);
        TensorVal y;
        if (other instanceof TensorVal t) {
            if (alpha != 1) {
                throw fail(base + " of two tensors with alpha");
            }
            boolean perSample = x.perSample() || t.perSample();
            if (perSample) {
                x = in.lift(x, base);
                t = in.lift(t, base);
            }
            long[] shape = broadcast(x.shape(), t.shape());
            if (shape == null) {
                throw fail(base + " of tensors of shapes " + Arrays.toString(x.shape()) + " and "
                        + Arrays.toString(t.shape()) + " that do not broadcast at the same rank");
            }
            Layer layer = switch (kind) {
                case ADD -> new Layer.Add();
                case SUB -> new Layer.Subtract();
                case MUL -> new Layer.Multiply(Layer.Multiply.NO_GATE);
                case DIV -> new Layer.Divide();
                case POW -> throw fail("pow of two tensors");
            };
            y = in.emit(layer, List.of(x, t), shape, base, perSample);
        } else if (other instanceof ParamVal p) {
            y = emit(new Layer.ConstantOp(kind, in.weights(p), false), x, x.shape());
        } else if (other instanceof Number n) {
            float c = (float) (n.doubleValue() * (base.equals("add") || base.equals("sub") ? alpha : 1));
            y = emit(new Layer.ConstantOp(kind, new Weights(new float[] {c}, new long[] {1}), false), x,
                    x.shape());
        } else {
            throw fail(base + " with " + TorchScriptInterpreter.kindOf(other));
        }
        if (op.endsWith("_")) {
            rebind(x, y);
        }
        return y;
    }

    /** NumPy broadcasting of two sample shapes of the same rank, or null. */
    private static long[] broadcast(long[] a, long[] b) {
        if (a.length != b.length) {
            return null;
        }
        long[] out = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            if (a[i] == b[i] || b[i] == 1) {
                out[i] = a[i];
            } else if (a[i] == 1) {
                out[i] = b[i];
            } else {
                return null;
            }
        }
        return out;
    }

    private TensorVal concat() {
        Object list = arg(0, "tensors");
        if (!(list instanceof List<?> items) || items.isEmpty()) {
            throw fail("cat of a computed list");
        }
        List<TensorVal> parts = new ArrayList<>();
        TensorVal someTensor = (TensorVal) items.stream().filter(o -> o instanceof TensorVal).findFirst()
                .orElseThrow(() -> fail("cat without a computed tensor"));
        if (someTensor.perSample()) {
            throw fail("cat of a tensor whose batch axis an earlier transpose moved");
        }
        for (Object o : items) {
            if (o instanceof BatchExpandedParam b) {
                // a class token expanded to the batch: one sample's value, repeated by the graph
                Weights w = in.weights(b.param());
                long[] sample = Arrays.copyOfRange(w.shape(), 1, w.rank());
                parts.add(in.emit(new Layer.BatchConstant(new Weights(w.data(), sample)), List.of(someTensor),
                        sample, "expand"));
                continue;
            }
            if (!(o instanceof TensorVal t)) {
                throw fail("cat of " + TorchScriptInterpreter.kindOf(o));
            }
            parts.add(t);
        }
        int rank = parts.get(0).shape().length + 1;
        long dim = integer(1, "dim", 0);
        dim = dim < 0 ? dim + rank : dim;
        if (dim < 1 || dim >= rank) {
            throw fail("cat along axis " + dim);
        }
        long[] shape = parts.get(0).shape().clone();
        for (int i = 1; i < parts.size(); i++) {
            long[] s = parts.get(i).shape();
            if (s.length != shape.length) {
                throw fail("cat of tensors of different ranks");
            }
            for (int a = 0; a < s.length; a++) {
                if (a == dim - 1) {
                    shape[a] += s[a];
                } else if (s[a] != shape[a]) {
                    throw fail("cat of tensors of shapes that differ outside axis " + dim);
                }
            }
        }
        return in.emit(new Layer.Concat((int) dim), parts, shape, "cat");
    }

    private Object size() {
        TensorVal x = tensor(0);
        Object dimArg = arg(1, "dim");
        if (x.perSample()) {
            // one sample as the trace computed it: its batch axis (wherever it is now) has length 1
            if (dimArg == null) {
                return new ArrayList<Object>(Arrays.stream(x.shape()).boxed().toList());
            }
            return x.torchDim(torchAxis(x, toLong(dimArg, "dim")));
        }
        if (dimArg == null) {
            List<Object> all = new ArrayList<>();
            all.add(BatchDim.INSTANCE);
            for (long d : x.shape()) {
                all.add(d);
            }
            return all;
        }
        long dim = toLong(dimArg, "dim");
        int rank = x.shape().length + 1;
        dim = dim < 0 ? dim + rank : dim;
        if (dim == 0) {
            return BatchDim.INSTANCE;
        }
        if (dim < 0 || dim >= rank) {
            throw fail("size of axis " + dim + " of a rank-" + rank + " tensor");
        }
        return x.shape()[(int) dim - 1];
    }

    // ---------------------------------------------------------- helpers

    private TensorVal emit(Layer layer, TensorVal x, long[] shape) {
        return in.emit(layer, List.of(x), shape, opName(), x.perSample());
    }

    private String opName() {
        String name = op.startsWith("_") ? op.substring(1) : op;
        return name.endsWith("_") ? name.substring(0, name.length() - 1) : name;
    }

    /** A torch axis (negative counts from the end) of the tensor, checked. */
    private int torchAxis(TensorVal x, long axis) {
        int rank = x.torchRank();
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw fail("axis " + axis + " of a rank-" + rank + " tensor");
        }
        return (int) a;
    }

    /**
     * Shape arithmetic on Python numbers ({@code floor_divide(h, CONSTANTS.c0)}, {@code mul(bsz, 2)},
     * {@code div(embed_dim, 2, rounding_mode="trunc")}), folded at import; null when the operands are not two
     * numbers.
     */
    private Object scalarArithmetic() {
        if (args.size() < 2 || !(args.get(0) instanceof Number a) || !(args.get(1) instanceof Number b)) {
            if (args.size() >= 2 && (args.get(0) instanceof BatchDim || args.get(1) instanceof BatchDim)
                    && Set.of("mul", "div", "floor_divide", "add", "sub").contains(op)) {
                throw fail("arithmetic on the batch size outside a per-sample region");
            }
            return null;
        }
        boolean integers = a instanceof Long && b instanceof Long;
        Object rounding = kwargs.get("rounding_mode");
        switch (op) {
            case "add":
                return integers ? (Object) (a.longValue() + b.longValue()) : a.doubleValue() + b.doubleValue();
            case "sub":
                return integers ? (Object) (a.longValue() - b.longValue()) : a.doubleValue() - b.doubleValue();
            case "mul":
                return integers ? (Object) (a.longValue() * b.longValue()) : a.doubleValue() * b.doubleValue();
            case "floor_divide":
                if (integers && b.longValue() != 0) {
                    return Math.floorDiv(a.longValue(), b.longValue());
                }
                return Math.floor(a.doubleValue() / b.doubleValue());
            case "div":
                if ("trunc".equals(rounding) || "floor".equals(rounding)) {
                    double q = a.doubleValue() / b.doubleValue();
                    double r = "trunc".equals(rounding) ? (q < 0 ? Math.ceil(q) : Math.floor(q)) : Math.floor(q);
                    return integers ? (Object) (long) r : r;
                }
                return a.doubleValue() / b.doubleValue();
            default:
                return null;
        }
    }

    /** transpose(x, d0, d1): a swap of two axes; moving the batch axis enters the per-sample view. */
    private TensorVal transpose() {
        TensorVal x = tensor(0);
        int d0 = torchAxis(x, integer(1, "dim0", 0));
        int d1 = torchAxis(x, integer(2, "dim1", 1));
        int[] dims = new int[x.torchRank()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = i;
        }
        dims[d0] = d1;
        dims[d1] = d0;
        return permuted(x, dims);
    }

    /** A permutation of torch's axes; one that moves the batch axis of a batch-first tensor lifts it first. */
    private TensorVal permuted(TensorVal x, int[] dims) {
        if (!x.perSample() && dims[0] == 0) {
            long[] out = new long[dims.length - 1];
            for (int i = 1; i < dims.length; i++) {
                out[i - 1] = x.shape()[dims[i] - 1];
            }
            return emit(new Layer.Transpose(dims), x, out);
        }
        TensorVal p = in.lift(x, opName());
        int[] graphPerm = new int[dims.length + 1];
        long[] out = new long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            graphPerm[i + 1] = dims[i] + 1;
            out[i] = p.shape()[dims[i]];
        }
        return in.emit(new Layer.Transpose(graphPerm), List.of(p), out, opName(), true);
    }

    /** chunk(x, n, dim): n slices along a non-batch axis (the last one smaller when n does not divide it). */
    private List<Object> chunk() {
        TensorVal x = tensor(0);
        long chunks = integer(1, "chunks", 1);
        int dim = torchAxis(x, integer(2, "dim", 0));
        if (dim == 0 && !x.perSample()) {
            throw fail("chunk along the batch axis");
        }
        long len = x.torchDim(dim);
        long size = (len + chunks - 1) / chunks;
        List<Object> parts = new ArrayList<>();
        for (long start = 0; start < len; start += size) {
            parts.add(sliceOf(x, dim, start, Math.min(len, start + size)));
        }
        return java.util.Collections.unmodifiableList(parts);
    }

    private TensorVal sliceOf(TensorVal x, int dim, long start, long end) {
        long[] out = x.shape().clone();
        out[x.perSample() ? dim : dim - 1] = end - start;
        return emit(new Layer.Slice(x.graphAxis(dim), start, end), x, out);
    }

    /** slice(x, dim, start, end, step): the whole batch axis is the tensor itself. */
    private TensorVal slice() {
        TensorVal x = tensor(0);
        int dim = torchAxis(x, integer(1, "dim", 0));
        long step = integer(4, "step", 1);
        Object startArg = arg(2, "start");
        Object endArg = arg(3, "end");
        long start = startArg == null ? 0 : toLong(startArg, "start");
        long end = endArg == null ? Long.MAX_VALUE : toLong(endArg, "end");
        if (dim == 0 && !x.perSample()) {
            if (start == 0 && end >= Integer.MAX_VALUE && step == 1) {
                return x;
            }
            throw fail("slice of the batch axis");
        }
        if (step != 1) {
            throw fail("slice with step " + step);
        }
        long len = x.torchDim(dim);
        start = Math.max(0, Math.min(len, start < 0 ? start + len : start));
        end = Math.max(0, Math.min(len, end < 0 ? end + len : end));
        if (end <= start) {
            throw fail("an empty slice");
        }
        return start == 0 && end == len ? x : sliceOf(x, dim, start, end);
    }

    /** select(x, dim, index): a slice of length 1 with the axis dropped (ViT's class token x[:, 0]). */
    private TensorVal select() {
        TensorVal x = tensor(0);
        int dim = torchAxis(x, integer(1, "dim", 0));
        if (dim == 0 && !x.perSample()) {
            throw fail("select of one sample of the batch");
        }
        long len = x.torchDim(dim);
        long index = integer(2, "index", 0);
        index = index < 0 ? index + len : index;
        if (index < 0 || index >= len) {
            throw fail("index " + index + " out of range for length " + len);
        }
        TensorVal s = sliceOf(x, dim, index, index + 1);
        long[] out = new long[s.shape().length - 1];
        int drop = x.perSample() ? dim : dim - 1;
        for (int i = 0, j = 0; i < s.shape().length; i++) {
            if (i != drop) {
                out[j++] = s.shape()[i];
            }
        }
        if (out.length == 0) {
            throw fail("select that leaves only the batch axis");
        }
        Layer layer = TorchScriptInterpreter.reshapeLayer(out); // (N, out…) in both views
        return in.emit(layer, List.of(s), out, opName(), x.perSample());
    }

    /** expand(param, [n, -1, …]) with n the batch size: the parameter repeated for every sample. */
    private Object expand() {
        if (!(arg(0, "self") instanceof ParamVal p)) {
            throw fail("expand of " + TorchScriptInterpreter.kindOf(arg(0, "self")));
        }
        Object sizes = arg(1, "size");
        if (sizes instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof BatchDim) {
            Weights w = in.weights(p);
            boolean keep = w.rank() == l.size() && w.dim(0) == 1;
            for (int i = 1; keep && i < l.size(); i++) {
                keep = l.get(i) instanceof Long d && (d == -1 || d == w.dim(i));
            }
            if (keep) {
                return new BatchExpandedParam(p);
            }
        }
        throw fail("expand of parameter " + p.name() + " to " + sizes + " (only [batch, -1, …] of a parameter with "
                + "a leading axis of 1)");
    }

    /** bmm / matmul of two computed tensors over their last two axes (attention). */
    private TensorVal matMulOfTensors() {
        TensorVal a = tensor(0);
        Object other = arg(1, op.equals("bmm") ? "mat2" : "other");
        if (!(other instanceof TensorVal b)) {
            throw fail("with " + TorchScriptInterpreter.kindOf(other) + " as the second operand");
        }
        boolean perSample = a.perSample() || b.perSample();
        if (perSample) {
            a = in.lift(a, opName());
            b = in.lift(b, opName());
        }
        long[] as = a.shape();
        long[] bs = b.shape();
        if (as.length != bs.length || as.length < (perSample ? 2 : 2) || as[as.length - 1] != bs[bs.length - 2]) {
            throw fail("of tensors of shapes " + Arrays.toString(as) + " and " + Arrays.toString(bs));
        }
        long[] out = as.clone();
        for (int i = 0; i < out.length - 2; i++) {
            if (as[i] != bs[i] && as[i] != 1 && bs[i] != 1) {
                throw fail("of tensors of shapes " + Arrays.toString(as) + " and " + Arrays.toString(bs));
            }
            out[i] = Math.max(as[i], bs[i]);
        }
        out[out.length - 1] = bs[bs.length - 1];
        return in.emit(new Layer.MatMul(), List.of(a, b), out, opName(), perSample);
    }

    /** In-place ops: later reads of the variable that held the input see the result. */
    private void rebind(TensorVal before, TensorVal after) {
        for (Map.Entry<String, Object> e : env.entrySet()) {
            if (e.getValue() == before) {
                e.setValue(after);
            }
        }
    }

    private Object arg(int index, String keyword) {
        if (index < args.size()) {
            return args.get(index);
        }
        return kwargs.get(keyword);
    }

    private boolean has(int index, String keyword) {
        return index < args.size() || kwargs.containsKey(keyword);
    }

    private TensorVal tensor(int index) {
        Object v = arg(index, index == 0 ? "input" : "other");
        if (v == null && index == 0) {
            v = kwargs.get("self");
        }
        if (v instanceof TensorVal t) {
            return t;
        }
        throw fail("with " + TorchScriptInterpreter.kindOf(v) + " where a tensor is expected");
    }

    private ParamVal param(int index) {
        Object v = arg(index, index == 1 ? "weight" : "mat2");
        if (v instanceof ParamVal p) {
            return p;
        }
        throw fail("with " + TorchScriptInterpreter.kindOf(v) + " where a parameter is expected"
                + " (weights computed at run time are not imported)");
    }

    private ParamVal optParam(int index, String keyword) {
        Object v = arg(index, keyword);
        if (v == null || v instanceof ParamVal) {
            return (ParamVal) v;
        }
        throw fail("with " + TorchScriptInterpreter.kindOf(v) + " as " + keyword);
    }

    private boolean bool(int index, String keyword, boolean fallback) {
        if (!has(index, keyword)) {
            return fallback;
        }
        Object v = arg(index, keyword);
        if (v instanceof Boolean b) {
            return b;
        }
        throw fail("with " + TorchScriptInterpreter.kindOf(v) + " as " + keyword);
    }

    private long integer(int index, String keyword, long fallback) {
        if (!has(index, keyword)) {
            return fallback;
        }
        return toLong(arg(index, keyword), keyword);
    }

    private double number(int index, String keyword, double fallback) {
        if (!has(index, keyword)) {
            return fallback;
        }
        Object v = arg(index, keyword);
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        throw fail("with " + TorchScriptInterpreter.kindOf(v) + " as " + keyword);
    }

    private long toLong(Object v, String keyword) {
        if (v instanceof Long l) {
            return l;
        }
        throw fail("with " + TorchScriptInterpreter.kindOf(v) + " as " + keyword);
    }

    private int[] ints(int index, String keyword) {
        return toInts(arg(index, keyword), keyword);
    }

    private int[] intsOr(int index, String keyword, int fallback) {
        return has(index, keyword) ? ints(index, keyword) : new int[] {fallback};
    }

    /** The padding argument: a list of ints, an int, or a string mode. */
    private Object padding(int index) {
        if (!has(index, "padding")) {
            return new int[] {0};
        }
        Object v = arg(index, "padding");
        return v instanceof String ? v : toInts(v, "padding");
    }

    private int[] toInts(Object v, String keyword) {
        if (v instanceof int[] a) {
            return a;
        }
        if (v instanceof Long l) {
            return new int[] {Math.toIntExact(l)};
        }
        if (v instanceof List<?> l) {
            int[] out = new int[l.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = Math.toIntExact(toLong(l.get(i), keyword));
            }
            return out;
        }
        throw fail("with " + TorchScriptInterpreter.kindOf(v) + " as " + keyword);
    }

    /** A one-element list stands for every spatial axis (PyTorch's _single/_pair). */
    private int[] expand(int[] v, int k, String keyword) {
        if (v.length == k) {
            return v;
        }
        if (v.length == 1) {
            int[] out = new int[k];
            Arrays.fill(out, v[0]);
            return out;
        }
        throw fail("with " + keyword + " " + Arrays.toString(v) + " for " + k + " spatial axes");
    }

    private static Weights flat(Weights w) {
        return w.rank() == 1 ? w : new Weights(w.data(), new long[] {w.size()});
    }

    private static long product(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    private Unsupported fail(String detail) {
        return TorchScriptInterpreter.unsupported("call torch." + op + (detail == null ? "" : " (" + detail + ")") + " in "
                + in.frame().describe() + (detail == null ? ": no graph layer computes it; instead, replace the "
                + "module with a supported one (docs/methods.md lists the layers) or try the model's ONNX export"
                : ""));
    }

    private Unsupported shape(String detail) {
        return new Unsupported(Kind.BAD_SHAPE, "sample shape " + Arrays.toString(in.sampleShape)
                + " does not fit torch." + op + " in " + in.frame().describe() + ": " + detail);
    }
}
