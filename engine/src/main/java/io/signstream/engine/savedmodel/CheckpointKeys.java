package io.signstream.engine.savedmodel;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.tensorflow.proto.framework.FunctionDef;
import org.tensorflow.proto.framework.GraphDef;
import org.tensorflow.proto.framework.NodeDef;

/**
 * Which checkpoint key holds the value of which variable node, read from the SavedModel's own restore ops.
 *
 * <p>Why from the restore ops: the key is not derivable from the variable alone. TF1 savers key by the variable's
 * name ({@code Variable_4}), TF2 checkpoints by the object path ({@code dense/kernel/.ATTRIBUTES/VARIABLE_VALUE}).
 * Both write the same data flow to restore: {@code RestoreV2(prefix, tensor_names, ...)} whose output {@code k}
 * (key {@code tensor_names[k]}) flows, possibly through {@code Identity}, into {@code Assign(variable, value)}
 * (TF1) or {@code AssignVariableOp(resource, value)} (TF2). In TF2 that happens inside a restore function whose
 * resource arguments are bound to the top-level {@code VarHandleOp}s by the node that calls it.
 *
 * <p>Variables no restore op mentions fall back to their own name, then their {@code shared_name}, as keys.
 */
final class CheckpointKeys {

    private static final List<String> CALLS = List.of("StatefulPartitionedCall", "PartitionedCall");

    private final Map<String, String> keyByVariable = new HashMap<>();

    private CheckpointKeys() {
    }

    static CheckpointKeys of(GraphDef graph) {
        CheckpointKeys keys = new CheckpointKeys();
        Map<String, NodeDef> top = byName(graph.getNodeList());
        keys.scan(top, false,
                (resource, key) -> keys.keyByVariable.putIfAbsent(throughIdentity(top, resource, false), key));
        for (FunctionDef fn : graph.getLibrary().getFunctionList()) {
            Map<String, NodeDef> body = byName(fn.getNodeDefList());
            List<String> args = fn.getSignature().getInputArgList().stream().map(a -> a.getName()).toList();
            keys.scan(body, true, (resource, key) -> {
                String arg = throughIdentity(body, resource, true);
                int j = args.indexOf(arg);
                if (j < 0) {
                    return;
                }
                for (NodeDef call : top.values()) {
                    if (CALLS.contains(call.getOp()) && call.containsAttr("f") && call.getAttrOrThrow("f")
                            .getFunc().getName().equals(fn.getSignature().getName())) {
                        List<String> data = dataInputs(call);
                        if (j < data.size()) {
                            keys.keyByVariable.putIfAbsent(throughIdentity(top, data.get(j), false), key);
                        }
                    }
                }
            });
        }
        return keys;
    }

    /**
     * The checkpoint key of a top-level variable node ({@code VariableV2} or {@code VarHandleOp}), or null when no
     * candidate key is in the bundle.
     */
    String keyOf(NodeDef variable, TensorBundle bundle) {
        String key = keyByVariable.get(variable.getName());
        if (key != null && bundle.contains(key)) {
            return key;
        }
        if (bundle.contains(variable.getName())) {
            return variable.getName();
        }
        String shared = variable.containsAttr("shared_name") ? variable.getAttrOrThrow("shared_name").getS()
                .toStringUtf8() : "";
        return !shared.isEmpty() && bundle.contains(shared) ? shared : null;
    }

    /** What the restore ops of one graph or function body assign: (resource reference, checkpoint key). */
    private void scan(Map<String, NodeDef> nodes, boolean inFunction, BiConsumer<String, String> sink) {
        for (NodeDef n : nodes.values()) {
            if (!n.getOp().equals("Assign") && !n.getOp().equals("AssignVariableOp")) {
                continue;
            }
            List<String> data = dataInputs(n);
            if (data.size() < 2) {
                continue;
            }
            TfRef value = ref(data.get(1), inFunction);
            NodeDef producer = nodes.get(value.node());
            while (producer != null && producer.getOp().equals("Identity")) {
                value = ref(dataInputs(producer).get(0), inFunction);
                producer = nodes.get(value.node());
            }
            if (producer == null || !producer.getOp().equals("RestoreV2") || dataInputs(producer).size() < 2) {
                continue;
            }
            NodeDef names = nodes.get(ref(dataInputs(producer).get(1), inFunction).node());
            if (names == null || !names.getOp().equals("Const")) {
                continue;
            }
            List<String> keys = new ArrayList<>();
            names.getAttrOrThrow("value").getTensor().getStringValList().forEach(b -> keys.add(b.toStringUtf8()));
            if (value.index() < keys.size()) {
                sink.accept(data.get(0), keys.get(value.index()));
            }
        }
    }

    /** The node (or function argument) a reference names once {@code Identity} nodes are skipped. */
    private static String throughIdentity(Map<String, NodeDef> nodes, String text, boolean inFunction) {
        TfRef r = ref(text, inFunction);
        NodeDef n = nodes.get(r.node());
        while (n != null && n.getOp().equals("Identity") && !dataInputs(n).isEmpty()) {
            r = ref(dataInputs(n).get(0), inFunction);
            n = nodes.get(r.node());
        }
        return r.node();
    }

    private static TfRef ref(String text, boolean inFunction) {
        return inFunction ? TfRef.function(text) : TfRef.graph(text);
    }

    static List<String> dataInputs(NodeDef n) {
        return n.getInputList().stream().filter(s -> !s.startsWith("^")).toList();
    }

    private static Map<String, NodeDef> byName(List<NodeDef> nodes) {
        Map<String, NodeDef> map = new HashMap<>();
        nodes.forEach(n -> map.put(n.getName(), n));
        return map;
    }

}
