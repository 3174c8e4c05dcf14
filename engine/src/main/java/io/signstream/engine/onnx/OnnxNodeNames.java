package io.signstream.engine.onnx;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Final node names. PyTorch's exporter names nodes by scope, {@code /features/features.0/Conv}: the segment before
 * the op is the module path of {@code named_modules()}, which is how users name layers (Grad-CAM's
 * {@code layer_name=features.4}). So a node takes its module path; when a module exported to several nodes
 * (Linear as MatMul + Add), the module name goes to its last node, whose output is the module's output, and the
 * others get {@code module/Op}. Names without a scope (other exporters) are kept; nameless nodes take their
 * output tensor's name. Clashes get a numeric suffix, deterministically in graph order.
 */
final class OnnxNodeNames {

    private OnnxNodeNames() {
    }

    /**
     * @param nodes the translated nodes in graph order
     * @param reserved names that must not be used (the graph input)
     * @return final name per node id
     */
    static Map<String, String> assign(List<PendingNode> nodes, Set<String> reserved) {
        Map<String, Integer> lastOfModule = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            lastOfModule.put(module(nodes.get(i)), i);
        }
        Set<String> used = new HashSet<>(reserved);
        Map<String, String> names = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            PendingNode n = nodes.get(i);
            String module = module(n);
            String wanted = lastOfModule.get(module) == i ? module : module + "/" + opPart(n);
            String name = wanted;
            for (int k = 2; !used.add(name); k++) {
                name = wanted + "_" + k;
            }
            names.put(n.id(), name);
        }
        return names;
    }

    /** The module path of a scoped PyTorch name, or the plain name. */
    static String module(PendingNode n) {
        String name = n.onnxName();
        if (name.isEmpty()) {
            return n.id();
        }
        if (name.startsWith("/")) {
            String[] segments = name.substring(1).split("/");
            if (segments.length >= 2 && !segments[segments.length - 2].isEmpty()) {
                return segments[segments.length - 2];
            }
            return segments.length == 0 || segments[segments.length - 1].isEmpty() ? name
                    : segments[segments.length - 1];
        }
        return name;
    }

    /** The last segment of a scoped name ("Gemm", "Relu_1"), else the op type. */
    private static String opPart(PendingNode n) {
        String name = n.onnxName();
        int slash = name.lastIndexOf('/');
        return slash >= 0 && slash < name.length() - 1 ? name.substring(slash + 1) : n.opType();
    }
}
