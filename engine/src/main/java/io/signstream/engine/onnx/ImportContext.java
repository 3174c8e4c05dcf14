package io.signstream.engine.onnx;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Weights;
import io.signstream.engine.onnx.proto.OnnxProto;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The state of one import: what every ONNX tensor name stands for so far, the translated nodes, and the helpers
 * that turn a node's inputs into graph tensors or constants with messages that name the node.
 */
final class ImportContext {

    private final Map<String, OnnxValue> values = new HashMap<>();
    private final Map<String, OnnxProto.Tensor> initializers;
    private final Map<String, Integer> readers;
    private final Set<String> otherModelInputs;
    private final String graphOutput;
    private final long declaredBatch;
    private final List<PendingNode> nodes = new ArrayList<>();
    private final GraphTensor modelInput;

    /**
     * @param input the model input
     * @param initializers the graph's initializers by name, decoded on first use (an unused initializer of an
     *     unsupported type must not fail the import)
     * @param readers how many nodes (and graph outputs) read each tensor name
     * @param otherModelInputs further graph inputs that are not initializers (not supported when read)
     * @param graphOutput the name of the model output
     * @param declaredBatch the fixed batch size of the input's declaration, 0 when it is dynamic
     */
    ImportContext(GraphTensor input, Map<String, OnnxProto.Tensor> initializers, Map<String, Integer> readers,
            Set<String> otherModelInputs, String graphOutput, long declaredBatch) {
        this.initializers = initializers;
        this.readers = readers;
        this.otherModelInputs = otherModelInputs;
        this.graphOutput = graphOutput;
        this.declaredBatch = declaredBatch;
        this.modelInput = input;
        values.put(input.id(), input);
    }

    /** The model input (what a constant repeated over the batch reads its batch size from). */
    GraphTensor modelInput() {
        return modelInput;
    }

    /** The batch size the model declares for its input, 0 when the batch axis is dynamic. */
    long declaredBatch() {
        return declaredBatch;
    }

    String graphOutput() {
        return graphOutput;
    }

    List<PendingNode> nodes() {
        return Collections.unmodifiableList(nodes);
    }

    /** What a tensor name stands for, or null when nothing produced it (yet). */
    OnnxValue lookup(String tensorName) throws ExplainException {
        OnnxValue v = values.get(tensorName);
        if (v == null && initializers.containsKey(tensorName)) {
            v = OnnxTensors.decode(initializers.get(tensorName), "initializer");
            values.put(tensorName, v);
        }
        return v;
    }

    /** Whether input {@code index} is given (ONNX marks a skipped optional input with an empty name). */
    boolean hasInput(OnnxProto.Node node, int index) {
        return index < node.getInputCount() && !node.getInput(index).isEmpty();
    }

    OnnxValue value(OnnxProto.Node node, int index) throws ExplainException {
        if (!hasInput(node, index)) {
            throw corrupt(node, "input #" + index + " is missing");
        }
        String name = node.getInput(index);
        OnnxValue v = lookup(name);
        if (v == null) {
            if (otherModelInputs.contains(name)) {
                throw unsupported(node, "reads the second model input '" + name
                        + "'; only models with one input are supported");
            }
            throw corrupt(node, "reads '" + name + "', which no earlier node or initializer produces");
        }
        return v;
    }

    /** Input {@code index}, which must be computed from the model input. */
    GraphTensor tensor(OnnxProto.Node node, int index) throws ExplainException {
        OnnxValue v = value(node, index);
        if (v instanceof GraphTensor t) {
            return t;
        }
        throw unsupported(node, "input '" + node.getInput(index)
                + "' is a constant; this op is supported on tensors computed from the model input only");
    }

    /** Input {@code index}, which must be known at import time (an initializer, a Constant or a folded value). */
    OnnxConstant constant(OnnxProto.Node node, int index, String role) throws ExplainException {
        OnnxValue v = value(node, index);
        if (v instanceof OnnxConstant c) {
            return c;
        }
        throw unsupported(node, "the " + role + " input '" + node.getInput(index)
                + "' is computed from the model input; it must be an initializer or a constant");
    }

    Weights weights(OnnxProto.Node node, int index, String role) throws ExplainException {
        OnnxConstant c = constant(node, index, role);
        if (c.dependsOnBatchSize()) {
            throw unsupported(node, "the " + role + " input depends on the batch size");
        }
        return c.toWeights();
    }

    long[] longs(OnnxProto.Node node, int index, String role) throws ExplainException {
        OnnxConstant c = constant(node, index, role);
        try {
            return c.toLongs();
        } catch (IllegalArgumentException e) {
            throw corrupt(node, "the " + role + " input: " + e.getMessage());
        }
    }

    /** Binds output 0 of the node to a value without creating a graph node (folded constants, aliases). */
    void define(OnnxProto.Node node, OnnxValue v) throws ExplainException {
        checkOnlyFirstOutputRead(node);
        values.put(node.getOutput(0), v);
    }

    /** Adds a graph node computing output 0 of the ONNX node from the given graph tensors. */
    GraphTensor emit(OnnxProto.Node node, Layer layer, long[] shape, GraphTensor... inputs) throws ExplainException {
        return emit(node, layer, shape, false, inputs);
    }

    /**
     * Adds a graph node computing output 0 of the ONNX node; {@code perSample} marks the result as seen by ONNX
     * without the graph's batch axis ({@link GraphTensor#perSample()}).
     */
    GraphTensor emit(OnnxProto.Node node, Layer layer, long[] shape, boolean perSample, GraphTensor... inputs)
            throws ExplainException {
        checkOnlyFirstOutputRead(node);
        for (int i = 1; i < shape.length; i++) {
            if (shape[i] <= 0) {
                throw corrupt(node, "its output would have the empty shape " + Arrays.toString(shape));
            }
        }
        String id = node.getOutput(0);
        List<String> ins = Arrays.stream(inputs).map(GraphTensor::id).toList();
        nodes.add(new PendingNode(id, layer, ins, node.getName(), node.getOpType()));
        GraphTensor out = new GraphTensor(id, shape, perSample);
        values.put(id, out);
        return out;
    }

    /**
     * Adds a helper graph node that the ONNX node needs besides its output (a constant repeated over the batch),
     * named after the node's output with a suffix.
     */
    GraphTensor emitExtra(OnnxProto.Node node, String suffix, Layer layer, long[] shape, GraphTensor... inputs) {
        return emitExtra(node, suffix, layer, shape, false, inputs);
    }

    /** {@link #emitExtra(OnnxProto.Node, String, Layer, long[], GraphTensor...)} with the per-sample mark. */
    GraphTensor emitExtra(OnnxProto.Node node, String suffix, Layer layer, long[] shape, boolean perSample,
            GraphTensor... inputs) {
        String id = node.getOutput(0) + "/" + suffix;
        List<String> ins = Arrays.stream(inputs).map(GraphTensor::id).toList();
        nodes.add(new PendingNode(id, layer, ins, "", node.getOpType()));
        GraphTensor out = new GraphTensor(id, shape, perSample);
        values.put(id, out);
        return out;
    }

    private void checkOnlyFirstOutputRead(OnnxProto.Node node) throws ExplainException {
        if (node.getOutputCount() == 0 || node.getOutput(0).isEmpty()) {
            throw corrupt(node, "has no output");
        }
        for (int i = 1; i < node.getOutputCount(); i++) {
            String name = node.getOutput(i);
            if (!name.isEmpty() && readers.getOrDefault(name, 0) > 0) {
                throw unsupported(node, "its output #" + i + " ('" + name
                        + "') is used, but only the first output of this op is supported");
            }
        }
    }

    ExplainException unsupported(OnnxProto.Node node, String detail) {
        return new ExplainException(Kind.UNSUPPORTED_MODEL, "ONNX " + describe(node) + ": " + detail);
    }

    ExplainException corrupt(OnnxProto.Node node, String detail) {
        return new ExplainException(Kind.CORRUPT_MODEL, "ONNX " + describe(node) + ": " + detail);
    }

    /** "node 'name' (OpType)", falling back to the output tensor name for nameless nodes. */
    static String describe(OnnxProto.Node node) {
        return "node '" + displayName(node) + "' (" + node.getOpType() + ")";
    }

    static String displayName(OnnxProto.Node node) {
        if (!node.getName().isEmpty()) {
            return node.getName();
        }
        return node.getOutputCount() > 0 ? node.getOutput(0) : "?";
    }
}
