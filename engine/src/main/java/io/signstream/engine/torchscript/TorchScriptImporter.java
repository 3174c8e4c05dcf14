package io.signstream.engine.torchscript;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import io.signstream.engine.graph.ActivationKind;
import io.signstream.engine.graph.ConstantOpKind;
import io.signstream.engine.graph.ConvSpec;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Node;
import io.signstream.engine.graph.PoolSpec;
import io.signstream.engine.graph.TensorLayout;
import io.signstream.engine.graph.Weights;
import io.signstream.engine.torchscript.PickleReader.PickledObject;
import io.signstream.engine.torchscript.PickleReader.TensorRecord;
import io.signstream.engine.torchscript.TorchScriptCodeParser.ClassDef;
import io.signstream.engine.torchscript.TorchScriptCodeParser.Expr;
import io.signstream.engine.torchscript.TorchScriptCodeParser.MethodDef;
import io.signstream.engine.torchscript.TorchScriptCodeParser.Stmt;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rebuilds the layer graph of a traced TorchScript model from the archive alone (no native code): the pickled
 * module tree gives the modules, their classes and their parameters and buffers; the TorchScript source of each
 * class gives what its {@code forward} computes. The importer executes those forwards symbolically, from the root
 * module down, and turns every tensor operation into a {@link Node}.
 *
 * <p>Node names are module paths ({@code features.0}, {@code classifier.3}, {@code 0.1}), so Grad-CAM layer
 * names written for the PyTorch model resolve. A module whose forward is one operation gives its path to that node;
 * operations written directly in a module that also calls submodules are named {@code <path>.<op>} (e.g.
 * {@code relu}, {@code block.add}). A pass-through module ({@code nn.Identity}) becomes an Identity node.
 *
 * <p>Supported calls: {@code torch._convolution}/{@code conv1d}/{@code conv2d} (groups, dilation),
 * {@code linear} (and {@code addmm}/{@code matmul} with {@code torch.t(weight)}), {@code max_pool1d/2d},
 * {@code avg_pool1d/2d}, {@code adaptive_avg_pool1d/2d} (global, or with an output size that divides the input),
 * {@code batch_norm} (eval), {@code flatten} from axis 1, {@code view}/{@code reshape} keeping the batch,
 * {@code relu}, {@code sigmoid}, {@code tanh}, {@code leaky_relu}, {@code dropout} (eval), {@code add} of two
 * tensors, {@code add}/{@code sub}/{@code mul}/{@code div} with a number, {@code cat}, {@code permute},
 * {@code transpose}, {@code layer_norm}, {@code gelu}, {@code silu}, {@code hardswish}, {@code hardsigmoid},
 * {@code hardtanh}/{@code relu6}, {@code chunk}/{@code slice}/{@code select} along non-batch axes,
 * {@code bmm}/{@code matmul} of two tensors, {@code expand} of a class-token parameter to the batch, a
 * {@code softmax} read by another op (attention), and a final {@code softmax}/{@code log_softmax}, which is dropped
 * (the graph ends in logits). Shape arithmetic on Python numbers ({@code size}, {@code floor_divide}, {@code div}
 * with a rounding mode, {@code mul}, the tensors of {@code constants.pkl} named {@code CONSTANTS.cN}) is folded. A
 * {@code transpose}/{@code permute} that moves the batch axis (PyTorch's sequence-first
 * {@code nn.MultiheadAttention}) switches to a per-sample view ({@link TensorVal}), in which {@code size()} of the
 * batch axis is 1 as in a batch-1 trace, until the batch is back on axis 0. Anything else is an
 * {@link Kind#UNSUPPORTED_MODEL} error naming the call and the module path; callers then fall back to
 * {@link TorchScriptModel}, whose autograd methods work on any TorchScript model.
 *
 * <pre>{@code
 * Graph g = TorchScriptImporter.read(Path.of("digits_cnn.pt"), new long[] {1, 16, 16});
 * g.node("features.4");                 // the ReLU that Grad-CAM uses
 * try (Backend pt = Backends.open(EngineKind.PYTORCH); BoundGraph m = new BoundGraph(g, pt)) {
 *     NDArray logits = ForwardPass.run(m, x).output();
 * }
 * }</pre>
 */
public final class TorchScriptImporter {

    /** Nested module calls deeper than this are refused (a hostile archive could recurse forever). */
    private static final int MAX_DEPTH = 64;

    private TorchScriptImporter() {
    }

    /**
     * Imports a TorchScript file.
     *
     * @param pt the {@code .pt} archive ({@code torch.jit.save})
     * @param sampleShape the shape of one input sample without the batch axis, in the model's layout (e.g.
     *     {@code {3, 32, 32}}); TorchScript does not store it. Its rank picks the layout (NC, NCT or NCHW).
     * @throws ExplainException MODEL_NOT_FOUND, CORRUPT_MODEL, UNSUPPORTED_MODEL (a call or statement the graph
     *     cannot express) or BAD_SHAPE (the sample shape does not fit the weights)
     */
    public static Graph read(Path pt, long[] sampleShape) throws ExplainException {
        return read(TorchScriptArchive.open(pt), sampleShape);
    }

    /** Imports an archive that is already open. */
    public static Graph read(TorchScriptArchive archive, long[] sampleShape) throws ExplainException {
        if (sampleShape == null || sampleShape.length < 1 || sampleShape.length > 3) {
            throw new ExplainException(Kind.BAD_SHAPE, "sample shape " + Arrays.toString(sampleShape)
                    + " for " + archive.path().getFileName() + ": expected 1 to 3 dimensions (no batch axis)");
        }
        for (long d : sampleShape) {
            if (d <= 0) {
                throw new ExplainException(Kind.BAD_SHAPE,
                        "sample shape " + Arrays.toString(sampleShape) + " has a non-positive dimension");
            }
        }
        Object root;
        try {
            root = PickleReader.read(archive.dataPickle());
        } catch (RuntimeException e) {
            throw TorchScriptArchive.corrupt(archive.path(), "data.pkl: " + TorchScriptArchive.oneLine(e.getMessage()));
        }
        if (!(root instanceof PickledObject module)) {
            throw TorchScriptArchive.corrupt(archive.path(), "data.pkl does not hold a module");
        }
        Map<String, ClassDef> classes = new HashMap<>();
        for (Map.Entry<String, String> e : archive.sources().entrySet()) {
            classes.putAll(TorchScriptCodeParser.parseModule(e.getKey(), e.getValue()));
        }
        return new Interpreter(archive, classes, sampleShape).run(module);
    }

    // ------------------------------------------------------------------ values of the symbolic execution

    /**
     * A tensor of the graph: a provisional node id (or the input) and its sample shape (no batch axis).
     *
     * <p>A per-sample tensor ({@code perSample}) is one whose batch axis a {@code transpose}/{@code permute} moved
     * away from axis 0 (PyTorch's sequence-first {@code nn.MultiheadAttention}): its {@code shape} is then the full
     * shape the trace computes for one sample, the batch a unit axis (or merged into another axis by a view), and
     * the graph runs every sample of its own batch axis 0 through it; torch axis a is graph axis a + 1. Inside such a
     * region {@code size()} of the batch axis is 1, so that the trace's shape arithmetic computes one sample's
     * shapes. When the first axis of a result is 1 again the tensor returns to batch-first.
     *
     * @param softmax a softmax (or log_softmax) of the tensor {@code id}, not emitted yet: dropped when it is the
     *     model output, emitted as a {@link Layer.Softmax} when another op reads it; null for none
     */
    private record TensorVal(String id, long[] shape, PendingSoftmax softmax, boolean perSample) {
        TensorVal(String id, long[] shape) {
            this(id, shape, null, false);
        }

        /** The graph axis of a (non-negative) torch axis. */
        int graphAxis(int torchAxis) {
            return perSample ? torchAxis + 1 : torchAxis;
        }

        /** The rank torch sees. */
        int torchRank() {
            return perSample ? shape.length : shape.length + 1;
        }

        /** The dims of a torch axis (the batch axis of a batch-first tensor has none). */
        long torchDim(int torchAxis) {
            return perSample ? shape[torchAxis] : shape[torchAxis - 1];
        }
    }

    /** A softmax over a graph axis (−1: the last), or a log_softmax, waiting to be emitted. */
    private record PendingSoftmax(int axis, boolean log) {
    }

    /** A parameter expanded over the batch ({@code class_token.expand(n, -1, -1)}): a constant for every sample. */
    private record BatchExpandedParam(ParamVal param) {
    }

    /** A submodule: its path and its pickled object. */
    private record ModuleVal(String path, PickledObject object) {
        String className() {
            return object.type().name();
        }
    }

    /** A parameter or buffer of a module ({@code self.weight}); {@code transposed} after {@code torch.t}. */
    private record ParamVal(String name, TensorRecord record, boolean transposed) {
    }

    /** The batch size, as {@code torch.size(x, 0)} yields it in a trace. */
    private enum BatchDim { INSTANCE }

    /** A function named by a dotted path ({@code torch.relu}), only meaningful as a callee. */
    private record FunctionRef(String name) {
    }

    /** A node waiting for its final name. */
    private static final class Pending {
        final String id;
        final Layer layer;
        final List<String> inputs;
        final String op;
        String name;

        Pending(String id, Layer layer, List<String> inputs, String op) {
            this.id = id;
            this.layer = layer;
            this.inputs = inputs;
            this.op = op;
        }
    }

    /** One module invocation: which nodes it emitted itself and whether it called submodules. */
    private static final class Frame {
        final ModuleVal module;
        final List<Pending> emitted = new ArrayList<>();
        int submoduleCalls;

        Frame(ModuleVal module) {
            this.module = module;
        }

        String describe() {
            return module.path().isEmpty() ? "the root module (" + module.className() + ")"
                    : "module '" + module.path() + "' (" + module.className() + ")";
        }
    }

    /** Signals an unsupported construct; turned into an ExplainException at the top. */
    private static final class Unsupported extends RuntimeException {
        final Kind kind;

        Unsupported(Kind kind, String message) {
            super(message, null, false, false);
            this.kind = kind;
        }
    }

    // ------------------------------------------------------------------ the interpreter

    private static final class Interpreter {
        private final TorchScriptArchive archive;
        private final Map<String, ClassDef> classes;
        private final long[] sampleShape;
        private final TorchScriptTensors tensors;
        private final List<Pending> nodes = new ArrayList<>();
        private final Set<String> usedNames = new HashSet<>();
        private String inputName;
        private Frame frame;
        private int depth;

        Interpreter(TorchScriptArchive archive, Map<String, ClassDef> classes, long[] sampleShape) {
            this.archive = archive;
            this.classes = classes;
            this.sampleShape = sampleShape.clone();
            this.tensors = new TorchScriptTensors(archive);
        }

        Graph run(PickledObject rootObject) throws ExplainException {
            String file = archive.path().getFileName().toString();
            try {
                ModuleVal root = new ModuleVal("", rootObject);
                MethodDef forward = method(root, "forward");
                List<String> params = forward.params();
                if (params.size() != 2) {
                    throw unsupported("forward of " + root.className() + " takes " + (params.size() - 1)
                            + " inputs; only single-input models are imported");
                }
                inputName = params.get(1);
                usedNames.add(inputName);
                TensorVal input = new TensorVal(inputName, sampleShape);
                Object out = callModule(root, "forward", List.of(input), true);
                if (!(out instanceof TensorVal result)) {
                    throw unsupported("forward of " + root.className() + " returns "
                            + (out instanceof List ? "a tuple" : String.valueOf(out))
                            + "; only models with one output tensor are imported");
                }
                if (result.id().equals(inputName)) {
                    throw unsupported("forward of " + root.className()
                            + " returns its input unchanged: the model has no layers to import");
                }
                return build(file, result);
            } catch (Unsupported e) {
                String prefix = switch (e.kind) {
                    case UNSUPPORTED_MODEL -> "TorchScript model " + file + " cannot be imported as a graph: ";
                    case CORRUPT_MODEL -> "corrupt TorchScript model " + archive.path() + ": ";
                    default -> file + ": ";
                };
                throw new ExplainException(e.kind, prefix + e.getMessage());
            }
        }

        private Graph build(String file, TensorVal result) {
            // keep only what the output depends on, so that the output is the last node
            Set<String> needed = new HashSet<>();
            needed.add(result.id());
            for (int i = nodes.size() - 1; i >= 0; i--) {
                Pending p = nodes.get(i);
                if (needed.contains(p.id)) {
                    needed.addAll(p.inputs);
                }
            }
            Map<String, String> rename = new HashMap<>();
            rename.put(inputName, inputName);
            List<Node> out = new ArrayList<>();
            for (Pending p : nodes) {
                if (!needed.contains(p.id)) {
                    continue;
                }
                rename.put(p.id, p.name);
                out.add(new Node(p.name, p.layer, p.inputs.stream().map(rename::get).toList()));
            }
            String name = file.contains(".") ? file.substring(0, file.indexOf('.')) : file;
            TensorLayout layout = TensorLayout.channelsFirstForRank(sampleShape.length + 1);
            return io.signstream.engine.graph.GraphFusion.fuse(new Graph(name, inputName, sampleShape, layout, out));
        }

        // -------------------------------------------------------------- modules and statements

        private MethodDef method(ModuleVal m, String name) {
            ClassDef cls = classes.get(m.object().type().qualified());
            if (cls == null) {
                throw new Unsupported(Kind.CORRUPT_MODEL, "no TorchScript code for class "
                        + m.object().type().qualified() + " of " + describe(m));
            }
            MethodDef def = cls.method(name);
            if (def == null) {
                throw unsupported("class " + m.className() + " of " + describe(m) + " has no method " + name);
            }
            return def;
        }

        private static String describe(ModuleVal m) {
            return m.path().isEmpty() ? "the root module" : "module '" + m.path() + "'";
        }

        /**
         * Runs a method of a module. {@code newFrame} is false for calls on {@code self} (a helper method such as
         * {@code _conv_forward}), which belong to the caller's invocation.
         */
        private Object callModule(ModuleVal m, String methodName, List<Object> args, boolean newFrame) {
            if (++depth > MAX_DEPTH) {
                throw unsupported("module calls nest deeper than " + MAX_DEPTH);
            }
            MethodDef def = method(m, methodName);
            if (def.params().size() - 1 != args.size()) {
                throw unsupported(describe(m) + "." + methodName + " takes " + (def.params().size() - 1)
                        + " arguments, called with " + args.size());
            }
            Frame caller = frame;
            if (newFrame) {
                if (caller != null) {
                    caller.submoduleCalls++;
                }
                frame = new Frame(m);
            }
            Map<String, Object> env = new HashMap<>();
            env.put(def.params().get(0), m);
            for (int i = 0; i < args.size(); i++) {
                env.put(def.params().get(i + 1), args.get(i));
            }
            Object result = null;
            boolean returned = false;
            for (Stmt s : def.body()) {
                if (s instanceof Stmt.Assign a) {
                    Object v = eval(a.value(), env);
                    if (a.targets().size() == 1) {
                        env.put(a.targets().get(0), v);
                    } else if (v instanceof List<?> l && l.size() == a.targets().size()) {
                        for (int i = 0; i < l.size(); i++) {
                            env.put(a.targets().get(i), l.get(i));
                        }
                    } else {
                        throw unsupported("statement `" + a.text() + "` in " + frame.describe()
                                + " unpacks a value that is not a tuple of " + a.targets().size());
                    }
                } else if (s instanceof Stmt.ExprStmt e) {
                    eval(e.value(), env);
                } else if (s instanceof Stmt.Return r) {
                    result = eval(r.value(), env);
                    returned = true;
                    break;
                } else {
                    throw unsupported("statement `" + s.text() + "` in " + frame.describe()
                            + " (only traced code, without control flow, is imported)");
                }
            }
            if (!returned) {
                throw unsupported(describe(m) + "." + methodName + " does not return a value");
            }
            if (newFrame) {
                result = finishFrame(args, result);
                frame = caller;
            }
            depth--;
            return result;
        }

        /** Names the nodes a module invocation emitted itself (see the class comment). */
        private Object finishFrame(List<Object> args, Object result) {
            Frame f = frame;
            String path = f.module.path();
            if (f.emitted.isEmpty() && f.submoduleCalls == 0 && !path.isEmpty() && result instanceof TensorVal t
                    && !args.isEmpty() && args.get(0) == t) {
                // a pass-through module (nn.Identity): keep it as a node so that its name resolves
                result = emit(new Layer.Identity(f.module.className()), List.of(t), t.shape(), "identity");
            }
            if (f.emitted.size() == 1 && f.submoduleCalls == 0 && !path.isEmpty()) {
                f.emitted.get(0).name = unique(path);
            } else {
                Map<String, Integer> counts = new HashMap<>();
                for (Pending p : f.emitted) {
                    int k = counts.merge(p.op, 1, Integer::sum) - 1;
                    String base = (path.isEmpty() ? "" : path + ".") + p.op + (k == 0 ? "" : "_" + k);
                    p.name = unique(base);
                }
            }
            return result;
        }

        private String unique(String base) {
            String name = base;
            for (int k = 2; !usedNames.add(name); k++) {
                name = base + "_" + k;
            }
            return name;
        }

        // -------------------------------------------------------------- expressions

        private Object eval(Expr e, Map<String, Object> env) {
            if (e instanceof Expr.Const c) {
                return c.value();
            }
            if (e instanceof Expr.Name n) {
                if (env.containsKey(n.id())) {
                    return env.get(n.id());
                }
                return new FunctionRef(n.id()); // torch, ops, getattr, int, ...: resolved by the call
            }
            if (e instanceof Expr.Attr a) {
                Object owner = eval(a.object(), env);
                if (owner instanceof FunctionRef f && f.name().equals("CONSTANTS")) {
                    return constant(a.name());
                }
                if (owner instanceof FunctionRef f) {
                    return new FunctionRef(f.name() + "." + a.name());
                }
                if (owner instanceof ModuleVal m) {
                    return attribute(m, a.name());
                }
                throw unsupported("attribute ." + a.name() + " of " + kindOf(owner) + " in " + frame.describe());
            }
            if (e instanceof Expr.ListExpr l) {
                List<Object> items = new ArrayList<>();
                for (Expr item : l.items()) {
                    items.add(eval(item, env));
                }
                return items;
            }
            if (e instanceof Expr.TupleExpr t) {
                List<Object> items = new ArrayList<>();
                for (Expr item : t.items()) {
                    items.add(eval(item, env));
                }
                return java.util.Collections.unmodifiableList(items);
            }
            if (e instanceof Expr.Subscript s) {
                Object owner = eval(s.object(), env);
                Object index = eval(s.index(), env);
                if (owner instanceof List<?> l && index instanceof Long i && i >= -l.size() && i < l.size()) {
                    return l.get((int) (i < 0 ? i + l.size() : i));
                }
                throw unsupported("subscript of " + kindOf(owner) + " in " + frame.describe());
            }
            if (e instanceof Expr.Neg n) {
                Object v = eval(n.operand(), env);
                if (v instanceof Long l) {
                    return -l;
                }
                if (v instanceof Double d) {
                    return -d;
                }
                throw unsupported("unary minus on " + kindOf(v) + " in " + frame.describe());
            }
            if (e instanceof Expr.BinOp b) {
                return binary(b, eval(b.left(), env), eval(b.right(), env));
            }
            if (e instanceof Expr.Call c) {
                return call(c, env);
            }
            throw unsupported("expression " + e + " in " + frame.describe());
        }

        private Object binary(Expr.BinOp b, Object l, Object r) {
            if (l instanceof Long x && r instanceof Long y) {
                switch (b.op()) {
                    case "+":
                        return x + y;
                    case "-":
                        return x - y;
                    case "*":
                        return x * y;
                    case "//":
                        if (y != 0) {
                            return Math.floorDiv(x, y);
                        }
                        break;
                    case "==":
                        return x.equals(y);
                    case "!=":
                        return !x.equals(y);
                    default:
                        break;
                }
            }
            throw unsupported("operator " + b.op() + " on " + kindOf(l) + " and " + kindOf(r) + " in "
                    + frame.describe());
        }

        private Object attribute(ModuleVal m, String name) {
            if (!m.object().state().containsKey(name)) {
                throw unsupported(describe(m) + " (" + m.className() + ") has no attribute " + name);
            }
            Object v = m.object().state().get(name);
            String path = m.path().isEmpty() ? name : m.path() + "." + name;
            if (v instanceof PickledObject o) {
                return new ModuleVal(path, o);
            }
            if (v instanceof TensorRecord r) {
                return new ParamVal(path, r, false);
            }
            return v; // None, bool, int, float, str, list
        }

        private Object call(Expr.Call c, Map<String, Object> env) {
            // a method call on a module: (_0).forward(x, ), (self)._conv_forward(...)
            if (c.function() instanceof Expr.Attr a) {
                Object owner = eval(a.object(), env);
                if (owner instanceof ModuleVal m) {
                    List<Object> args = evalArgs(c, env);
                    boolean onSelf = frame != null && m.path().equals(frame.module.path()) && m.object() == frame.module.object();
                    return callModule(m, a.name(), args, !onSelf);
                }
                if (!(owner instanceof FunctionRef)) {
                    throw unsupported("method ." + a.name() + "() of " + kindOf(owner) + " in " + frame.describe());
                }
            }
            Object fn = eval(c.function(), env);
            if (!(fn instanceof FunctionRef f)) {
                throw unsupported("call of " + kindOf(fn) + " in " + frame.describe());
            }
            String name = f.name();
            if (name.equals("annotate") && c.args().size() == 2) {
                return eval(c.args().get(1), env); // annotate(List[int], []): the type is irrelevant here
            }
            List<Object> args = evalArgs(c, env);
            Map<String, Object> kwargs = new LinkedHashMap<>();
            for (Map.Entry<String, Expr> kw : c.kwargs().entrySet()) {
                kwargs.put(kw.getKey(), eval(kw.getValue(), env));
            }
            switch (name) {
                case "getattr":
                    if (args.size() == 2 && args.get(0) instanceof ModuleVal m && args.get(1) instanceof String s) {
                        return attribute(m, s);
                    }
                    break;
                case "ops.prim.NumToTensor":
                case "int":
                case "float":
                    if (args.size() == 1 && (args.get(0) instanceof BatchDim || args.get(0) instanceof Number)) {
                        Object v = args.get(0);
                        if (name.equals("float") && v instanceof Number n) {
                            return n.doubleValue();
                        }
                        return v;
                    }
                    break;
                default:
                    if (name.startsWith("torch.")) {
                        return new Ops(this, name.substring("torch.".length()), args, kwargs, env).apply();
                    }
                    break;
            }
            throw unsupported("call " + name + " in " + frame.describe());
        }

        private List<Object> evalArgs(Expr.Call c, Map<String, Object> env) {
            List<Object> args = new ArrayList<>();
            for (Expr a : c.args()) {
                args.add(eval(a, env));
            }
            return args;
        }

        // -------------------------------------------------------------- node emission

        TensorVal emit(Layer layer, List<TensorVal> inputs, long[] shape, String op) {
            return emit(layer, inputs, shape, op, false);
        }

        /**
         * Emits a node; a per-sample result whose first axis has length 1 (the batch axis back in front) is reshaped
         * to a batch-first tensor.
         */
        TensorVal emit(Layer layer, List<TensorVal> inputs, long[] shape, String op, boolean perSample) {
            List<TensorVal> ins = new ArrayList<>();
            for (TensorVal t : inputs) {
                ins.add(t.softmax() == null ? t : emittedSoftmax(t));
            }
            TensorVal y = emitNode(layer, ins, shape, op, perSample);
            if (!perSample || shape.length < 2 || shape[0] != 1) {
                return y;
            }
            long[] rest = Arrays.copyOfRange(shape, 1, shape.length);
            return emitNode(reshapeLayer(rest), List.of(y), rest, op, false);
        }

        /** A Reshape (or Flatten) of the per-sample axes to the given dims, the batch axis inferred. */
        static Layer reshapeLayer(long[] sampleDims) {
            if (sampleDims.length == 1) {
                return new Layer.Flatten(1);
            }
            long[] target = new long[sampleDims.length + 1];
            target[0] = -1;
            System.arraycopy(sampleDims, 0, target, 1, sampleDims.length);
            return new Layer.Reshape(target);
        }

        /** The per-sample view of a batch-first tensor: (N, d…) as (N, 1, d…), the trace's batch as a unit axis. */
        TensorVal lift(TensorVal t, String op) {
            if (t.perSample()) {
                return t;
            }
            long[] one = new long[t.shape().length + 1];
            one[0] = 1;
            System.arraycopy(t.shape(), 0, one, 1, t.shape().length);
            return emitNode(reshapeLayer(one), List.of(t.softmax() == null ? t : emittedSoftmax(t)), one, op, true);
        }

        private final Map<TensorVal, TensorVal> softmaxNodes = new java.util.IdentityHashMap<>();

        /** A softmax read by another op is a graph node (attention weights); a log_softmax only ends a model. */
        private TensorVal emittedSoftmax(TensorVal t) {
            if (t.softmax().log()) {
                throw unsupported("log_softmax output used by another operation in " + frame.describe()
                        + "; a log_softmax is only imported as the model's last operation");
            }
            return softmaxNodes.computeIfAbsent(t, k -> emitNode(new Layer.Softmax(k.softmax().axis()),
                    List.of(new TensorVal(k.id(), k.shape(), null, k.perSample())), k.shape(), "softmax",
                    k.perSample()));
        }

        private TensorVal emitNode(Layer layer, List<TensorVal> inputs, long[] shape, String op, boolean perSample) {
            String id = "%" + nodes.size();
            Pending p = new Pending(id, layer, inputs.stream().map(TensorVal::id).toList(), op);
            p.name = id;
            nodes.add(p);
            frame.emitted.add(p);
            return new TensorVal(id, shape, null, perSample);
        }

        private List<Object> constants;

        /** {@code CONSTANTS.cN}: the N-th tensor of constants.pkl, a one-element tensor as a number. */
        private Object constant(String name) {
            if (!name.matches("c\\d+")) {
                throw unsupported("CONSTANTS." + name + " in " + frame.describe());
            }
            if (constants == null) {
                byte[] pickle = archive.constantsPickle();
                Object v = pickle == null ? null : PickleReader.read(pickle);
                if (!(v instanceof List<?> l)) {
                    throw new Unsupported(Kind.CORRUPT_MODEL, "the code reads CONSTANTS." + name
                            + ", but the archive has no constants.pkl tuple");
                }
                constants = new ArrayList<>(l);
            }
            int index = Integer.parseInt(name.substring(1));
            if (index >= constants.size() || !(constants.get(index) instanceof TensorRecord r)) {
                throw new Unsupported(Kind.CORRUPT_MODEL, "CONSTANTS." + name + " is not a tensor of constants.pkl");
            }
            try {
                return tensors.constantScalar(r);
            } catch (IllegalArgumentException e) {
                throw unsupported("CONSTANTS." + name + " in " + frame.describe() + " is " + e.getMessage());
            }
        }

        Weights weights(ParamVal p) {
            try {
                return tensors.weights(p.record());
            } catch (IllegalArgumentException e) {
                throw new Unsupported(Kind.CORRUPT_MODEL, "tensor " + p.name() + ": " + e.getMessage());
            }
        }

        Frame frame() {
            return frame;
        }

        static Unsupported unsupported(String message) {
            return new Unsupported(Kind.UNSUPPORTED_MODEL, message);
        }

        static String kindOf(Object v) {
            if (v == null) {
                return "None";
            }
            if (v instanceof TensorVal) {
                return "a tensor";
            }
            if (v instanceof ModuleVal m) {
                return "module '" + m.path() + "'";
            }
            if (v instanceof ParamVal p) {
                return "parameter " + p.name();
            }
            if (v instanceof FunctionRef f) {
                return f.name();
            }
            return v.getClass().getSimpleName() + " " + v;
        }
    }

    // ------------------------------------------------------------------ torch.* operations

    /** One call of a {@code torch.*} operator: argument access by position or keyword, and the mapping to layers. */
    private static final class Ops {
        private final Interpreter in;
        private final String op;
        private final List<Object> args;
        private final Map<String, Object> kwargs;
        private final Map<String, Object> env;

        Ops(Interpreter in, String op, List<Object> args, Map<String, Object> kwargs, Map<String, Object> env) {
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
            return emit(Interpreter.reshapeLayer(out), x, out);
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
                throw fail(base + " with " + Interpreter.kindOf(other));
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
                    throw fail("cat of " + Interpreter.kindOf(o));
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
            Layer layer = Interpreter.reshapeLayer(out); // (N, out…) in both views
            return in.emit(layer, List.of(s), out, opName(), x.perSample());
        }

        /** expand(param, [n, -1, …]) with n the batch size: the parameter repeated for every sample. */
        private Object expand() {
            if (!(arg(0, "self") instanceof ParamVal p)) {
                throw fail("expand of " + Interpreter.kindOf(arg(0, "self")));
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
                throw fail("with " + Interpreter.kindOf(other) + " as the second operand");
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
            throw fail("with " + Interpreter.kindOf(v) + " where a tensor is expected");
        }

        private ParamVal param(int index) {
            Object v = arg(index, index == 1 ? "weight" : "mat2");
            if (v instanceof ParamVal p) {
                return p;
            }
            throw fail("with " + Interpreter.kindOf(v) + " where a parameter is expected"
                    + " (weights computed at run time are not imported)");
        }

        private ParamVal optParam(int index, String keyword) {
            Object v = arg(index, keyword);
            if (v == null || v instanceof ParamVal) {
                return (ParamVal) v;
            }
            throw fail("with " + Interpreter.kindOf(v) + " as " + keyword);
        }

        private boolean bool(int index, String keyword, boolean fallback) {
            if (!has(index, keyword)) {
                return fallback;
            }
            Object v = arg(index, keyword);
            if (v instanceof Boolean b) {
                return b;
            }
            throw fail("with " + Interpreter.kindOf(v) + " as " + keyword);
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
            throw fail("with " + Interpreter.kindOf(v) + " as " + keyword);
        }

        private long toLong(Object v, String keyword) {
            if (v instanceof Long l) {
                return l;
            }
            throw fail("with " + Interpreter.kindOf(v) + " as " + keyword);
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
            throw fail("with " + Interpreter.kindOf(v) + " as " + keyword);
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
            return Interpreter.unsupported("call torch." + op + (detail == null ? "" : " (" + detail + ")") + " in "
                    + in.frame().describe() + (detail == null ? ": no graph layer computes it; instead, replace the "
                    + "module with a supported one (docs/methods.md lists the layers) or try the model's ONNX export"
                    : ""));
        }

        private Unsupported shape(String detail) {
            return new Unsupported(Kind.BAD_SHAPE, "sample shape " + Arrays.toString(in.sampleShape)
                    + " does not fit torch." + op + " in " + in.frame().describe() + ": " + detail);
        }
    }
}
