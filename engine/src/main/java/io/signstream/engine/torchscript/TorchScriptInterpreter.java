package io.signstream.engine.torchscript;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Node;
import io.signstream.engine.graph.TensorLayout;
import io.signstream.engine.graph.Weights;
import io.signstream.engine.torchscript.PickleReader.PickledObject;
import io.signstream.engine.torchscript.PickleReader.TensorRecord;
import io.signstream.engine.torchscript.TorchScriptCodeParser.ClassDef;
import io.signstream.engine.torchscript.TorchScriptCodeParser.Expr;
import io.signstream.engine.torchscript.TorchScriptCodeParser.MethodDef;
import io.signstream.engine.torchscript.TorchScriptCodeParser.Stmt;
import io.signstream.engine.torchscript.TorchScriptValues.BatchDim;
import io.signstream.engine.torchscript.TorchScriptValues.Frame;
import io.signstream.engine.torchscript.TorchScriptValues.FunctionRef;
import io.signstream.engine.torchscript.TorchScriptValues.ModuleVal;
import io.signstream.engine.torchscript.TorchScriptValues.ParamVal;
import io.signstream.engine.torchscript.TorchScriptValues.Pending;
import io.signstream.engine.torchscript.TorchScriptValues.TensorVal;
import io.signstream.engine.torchscript.TorchScriptValues.Unsupported;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Executes the TorchScript {@code forward} of each module symbolically, from the root module down, emitting a graph
 * node for every tensor operation ({@link TorchScriptOps} maps the {@code torch.*} calls); used by
 * {@link TorchScriptImporter}.
 */
final class TorchScriptInterpreter {
    /** Nested module calls deeper than this are refused (a hostile archive could recurse forever). */
    private static final int MAX_DEPTH = 64;

    private final TorchScriptArchive archive;
    private final Map<String, ClassDef> classes;
    final long[] sampleShape;
    private final TorchScriptTensors tensors;
    private final List<Pending> nodes = new ArrayList<>();
    private final Set<String> usedNames = new HashSet<>();
    private String inputName;
    private Frame frame;
    private int depth;

    TorchScriptInterpreter(TorchScriptArchive archive, Map<String, ClassDef> classes, long[] sampleShape) {
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
                    return new TorchScriptOps(this, name.substring("torch.".length()), args, kwargs, env).apply();
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
