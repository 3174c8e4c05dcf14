package io.signstream.engine.savedmodel;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import io.signstream.engine.savedmodel.TfOp.TfOutput;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.proto.framework.FunctionDef;
import org.tensorflow.proto.framework.GraphDef;
import org.tensorflow.proto.framework.NodeDef;

/**
 * Collects the ops the serving output depends on, walking back from the output to the signature's input, with
 * every function call inlined and pass-through ops skipped. The result is in topological order.
 *
 * <p>Why inline: a TF2 SavedModel's top-level graph holds only placeholders, variable handles and one
 * {@code StatefulPartitionedCall} per signature; the layers live in {@code GraphDef.library.function[...]}
 * (often two calls deep: the signature wrapper calls the traced model function). Following a call means binding
 * the function's input arguments to the call's inputs and its outputs to the function's {@code ret} map.
 *
 * <p>Why walk back from the output: a SavedModel's graph also holds the training, saving and restoring ops;
 * only what the output depends on is imported, and the walk stops at the input tensor named by the signature even
 * where that is not a placeholder (TF1 graphs sometimes feed an {@code Identity} behind an example parser).
 */
final class TfGraphWalker {

    /** Ops that forward their input unchanged and need no graph node. */
    private static final Set<String> PASS_THROUGH = Set.of("Identity", "StopGradient", "Snapshot",
            "PreventGradient", "CheckNumerics", "EnsureShape");
    private static final Set<String> CALLS = Set.of("StatefulPartitionedCall", "PartitionedCall");

    private final Map<String, NodeDef> top = new HashMap<>();
    private final Map<String, FunctionDef> functions = new HashMap<>();
    private final TfRef input;
    private final String modelName;
    private final Map<String, TfOp> ops = new HashMap<>();
    private final Set<String> visiting = new HashSet<>();
    private final List<TfOp> order = new ArrayList<>();
    private TfOp inputOp;

    private TfGraphWalker(GraphDef graph, TfRef input, String modelName) {
        graph.getNodeList().forEach(n -> top.put(n.getName(), n));
        graph.getLibrary().getFunctionList().forEach(f -> functions.put(f.getSignature().getName(), f));
        this.input = input;
        this.modelName = modelName;
    }

    /**
     * @param input the signature's input tensor, e.g. {@code MyInput:0}
     * @param output the signature's output tensor
     * @return the ops in topological order, the output last; the first op whose {@code modelInput()} is set
     *     stands for the input
     */
    static Walk walk(GraphDef graph, String input, String output, String modelName) throws ExplainException {
        TfGraphWalker w = new TfGraphWalker(graph, TfRef.graph(input), modelName);
        TfOutput out = w.resolve(TfRef.graph(output), Scope.top(w.top));
        return new Walk(List.copyOf(w.order), out, w.inputOp);
    }

    /**
     * The collected ops.
     *
     * @param ops topological order
     * @param output the serving output
     * @param input the op standing for the model input, null when the output does not depend on it
     */
    record Walk(List<TfOp> ops, TfOutput output, TfOp input) {
    }

    private TfOutput resolve(TfRef ref, Scope scope) throws ExplainException {
        if (!scope.isTop() && ref.isArgument() && scope.args().containsKey(ref.node())) {
            Binding b = scope.args().get(ref.node());
            return resolve(b.ref(), b.scope());
        }
        NodeDef def = scope.nodes().get(ref.node());
        if (def == null) {
            throw new ExplainException(Kind.CORRUPT_MODEL, modelName + ": an op reads '" + ref.node()
                    + "', which " + (scope.isTop() ? "the graph" : "function " + scope.prefix()) + " does not define");
        }
        String id = scope.prefix() + def.getName();
        if (scope.isTop() && def.getName().equals(input.node()) && ref.index() == input.index()) {
            if (inputOp == null) {
                inputOp = new TfOp(id, def, List.of(), true);
                order.add(inputOp);
            }
            return new TfOutput(inputOp, 0);
        }
        String type = def.getOp();
        List<String> data = CheckpointKeys.dataInputs(def);
        if (PASS_THROUGH.contains(type) && !data.isEmpty()) {
            return resolve(parse(data.get(0), scope), scope);
        }
        if (type.equals("IdentityN") && ref.index() < data.size()) {
            return resolve(parse(data.get(ref.index()), scope), scope);
        }
        if (type.equals("PlaceholderWithDefault") && !data.isEmpty()) {
            // Not the signature's input (checked above): e.g. Keras's learning phase, which serving leaves at its
            // default.
            return resolve(parse(data.get(0), scope), scope);
        }
        if (CALLS.contains(type)) {
            return call(def, id, ref.index(), scope);
        }
        return new TfOutput(op(def, id, scope), outputIndex(type, ref));
    }

    /** Memoised, so that a tensor read by several ops is one op (one graph node) and the order stays topological. */
    private TfOp op(NodeDef def, String id, Scope scope) throws ExplainException {
        TfOp known = ops.get(id);
        if (known != null) {
            return known;
        }
        if (!visiting.add(id)) {
            throw new ExplainException(Kind.UNSUPPORTED_MODEL, modelName + ": the serving graph has a loop through "
                    + def.getOp() + " '" + id + "' (control flow); only feed-forward graphs can be explained");
        }
        List<TfOutput> inputs = new ArrayList<>();
        for (String in : CheckpointKeys.dataInputs(def)) {
            inputs.add(resolve(parse(in, scope), scope));
        }
        visiting.remove(id);
        TfOp op = new TfOp(id, def, List.copyOf(inputs), false);
        ops.put(id, op);
        order.add(op);
        return op;
    }

    /** Output {@code index} of a function call: the function's {@code ret} entry, resolved inside its body. */
    private TfOutput call(NodeDef def, String id, int index, Scope caller) throws ExplainException {
        String name = def.containsAttr("f") ? def.getAttrOrThrow("f").getFunc().getName() : "";
        FunctionDef fn = functions.get(name);
        if (fn == null) {
            throw new ExplainException(Kind.CORRUPT_MODEL, modelName + ": " + def.getOp() + " '" + id
                    + "' calls function '" + name + "', which the graph's library does not define");
        }
        var outArgs = fn.getSignature().getOutputArgList();
        if (index >= outArgs.size()) {
            throw new ExplainException(Kind.CORRUPT_MODEL, modelName + ": output " + index + " of '" + id
                    + "' is read but function '" + name + "' has " + outArgs.size() + " outputs");
        }
        String ret = fn.getRetMap().get(outArgs.get(index).getName());
        if (ret == null) {
            throw new ExplainException(Kind.CORRUPT_MODEL, modelName + ": function '" + name
                    + "' does not say what its output '" + outArgs.get(index).getName() + "' returns");
        }
        Map<String, NodeDef> body = new HashMap<>();
        fn.getNodeDefList().forEach(n -> body.put(n.getName(), n));
        Map<String, Binding> args = new HashMap<>();
        List<String> data = CheckpointKeys.dataInputs(def);
        var inArgs = fn.getSignature().getInputArgList();
        for (int j = 0; j < inArgs.size() && j < data.size(); j++) {
            args.put(inArgs.get(j).getName(), new Binding(parse(data.get(j), caller), caller));
        }
        return resolve(TfRef.function(ret), new Scope(id + "/", body, args));
    }

    /**
     * The flat output index. Inside functions an output is named by argument and index; the supported ops with
     * more than one output are the FusedBatchNorm family, whose first argument {@code y} is output 0. Any other
     * argument of them maps to -1, which the translator reports as an unsupported use.
     */
    private static int outputIndex(String type, TfRef ref) {
        if (ref.outputArg() == null || !type.startsWith("FusedBatchNorm")) {
            return ref.index();
        }
        return ref.outputArg().equals("y") ? ref.index() : -1;
    }

    private static TfRef parse(String text, Scope scope) {
        return scope.isTop() ? TfRef.graph(text) : TfRef.function(text);
    }

    /** A function argument's value: a reference in the calling scope. */
    private record Binding(TfRef ref, Scope scope) {
    }

    /**
     * Where references are looked up: the top-level graph, or one inlined call of a function.
     *
     * @param prefix prepended to node names to make op ids unique ({@code ""} at the top level)
     */
    private record Scope(String prefix, Map<String, NodeDef> nodes, Map<String, Binding> args) {
        static Scope top(Map<String, NodeDef> nodes) {
            return new Scope("", nodes, null);
        }

        boolean isTop() {
            return args == null;
        }
    }
}
