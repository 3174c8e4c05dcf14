package io.signstream.engine.graph;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Nodes in the order an importer creates them, with unique names: a name that is taken (e.g. a layer named like the
 * graph input) gets a numeric suffix.
 *
 * <pre>{@code
 * NodeList nodes = new NodeList("input");
 * String relu = nodes.add("relu", Layer.Activation.of(ActivationKind.RELU), List.of("input"));
 * }</pre>
 */
public final class NodeList {

    private final List<Node> nodes = new ArrayList<>();
    private final Set<String> names = new HashSet<>();

    /** @param inputName the graph input's name, which no node may take */
    public NodeList(String inputName) {
        names.add(inputName);
    }

    /** Appends a node and returns the name it got. */
    public String add(String name, Layer layer, List<String> inputs) {
        String unique = name;
        for (int i = 1; names.contains(unique); i++) {
            unique = name + "_" + i;
        }
        names.add(unique);
        nodes.add(new Node(unique, layer, inputs));
        return unique;
    }

    public List<Node> nodes() {
        return Collections.unmodifiableList(nodes);
    }
}
