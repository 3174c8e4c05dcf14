package io.signstream.engine.onnx;

import com.google.protobuf.InvalidProtocolBufferException;
import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.Node;
import io.signstream.engine.graph.TensorLayout;
import io.signstream.engine.onnx.proto.OnnxProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Imports an ONNX model ({@code .onnx}, any opset from 7 on) into a SignStream {@link Graph}.
 *
 * <p>Every ONNX op becomes one typed graph node (Gemm and MatMul → dense, Conv → conv1d/conv2d, pooling,
 * activations, BatchNormalization, Add, Flatten/Reshape, ...) or is evaluated at import time (Constant, shape
 * arithmetic, arithmetic on constants). A trailing Softmax or LogSoftmax is removed with a warning, since
 * explanations start from the logits. The graph keeps the model's own layout, channels first; the sample shape is
 * the declared input shape without its batch axis, and the graph runs with any batch size.
 *
 * <p>Nodes are named after the PyTorch module that produced them where the exporter recorded it
 * ({@code /features/features.4/Relu} → {@code features.4}), so the names users know from {@code named_modules()}
 * work as layer names, e.g. for Grad-CAM.
 *
 * <pre>{@code
 * Graph graph = OnnxImporter.read(Path.of("digits_cnn.onnx"));
 * try (Backend backend = Backends.open(EngineKind.PYTORCH);
 *         BoundGraph model = new BoundGraph(graph, backend);
 *         NDManager m = backend.newManager()) {
 *     NDArray logits = ForwardPass.run(model, m.create(pixels, new Shape(1, 1, 16, 16))).output();
 * }
 * }</pre>
 *
 * <p>Errors are {@link ExplainException}s with a one-line reason: {@link Kind#MODEL_NOT_FOUND} for a missing
 * file, {@link Kind#CORRUPT_MODEL} for bytes that are not a consistent ONNX model, {@link Kind#UNSUPPORTED_MODEL}
 * for an op or attribute the graph cannot represent (the message names the op and the node).
 */
public final class OnnxImporter {

    private static final Logger LOG = LoggerFactory.getLogger(OnnxImporter.class);

    private OnnxImporter() {
    }

    /** Reads an ONNX file; the graph is named after the file without its extension. */
    public static Graph read(Path file) throws ExplainException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ExplainException(Kind.MODEL_NOT_FOUND, "ONNX model not found: " + file);
        } catch (IOException e) {
            throw new ExplainException(Kind.MODEL_NOT_FOUND, "cannot read ONNX model " + file + ": " + e.getMessage(),
                    e);
        }
        String fileName = file.getFileName().toString();
        int dot = fileName.lastIndexOf('.');
        return read(bytes, dot > 0 ? fileName.substring(0, dot) : fileName);
    }

    /**
     * Imports a serialized ONNX model.
     *
     * @param bytes the contents of an {@code .onnx} file
     * @param name the graph's name, used in messages
     */
    public static Graph read(byte[] bytes, String name) throws ExplainException {
        OnnxProto.Model model;
        try {
            model = OnnxProto.Model.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new ExplainException(Kind.CORRUPT_MODEL,
                    name + " is not a valid ONNX model: " + firstSentence(e.getMessage()) + otherFormatHint(bytes), e);
        }
        if (!model.hasGraph() || model.getGraph().getNodeCount() == 0) {
            throw new ExplainException(Kind.CORRUPT_MODEL,
                    name + " is not a valid ONNX model: it contains no graph nodes" + otherFormatHint(bytes));
        }
        try {
            return translate(model, name);
        } catch (IllegalArgumentException | ArithmeticException | IndexOutOfBoundsException e) {
            // Inconsistent sizes that slipped past the checks surface from the graph types; still one line.
            throw new ExplainException(Kind.CORRUPT_MODEL,
                    "cannot import ONNX model " + name + ": " + firstLine(e.getMessage()), e);
        }
    }

    private static Graph translate(OnnxProto.Model model, String name) throws ExplainException {
        OnnxProto.Graph g = model.getGraph();
        Map<String, OnnxProto.Tensor> initializers = new HashMap<>();
        for (OnnxProto.Tensor t : g.getInitializerList()) {
            initializers.put(t.getName(), t);
        }
        // Before IR version 4 initializers were also listed as graph inputs; the model input is the first other one.
        List<OnnxProto.ValueInfo> inputs = g.getInputList().stream()
                .filter(v -> !initializers.containsKey(v.getName())).toList();
        if (inputs.isEmpty()) {
            throw new ExplainException(Kind.CORRUPT_MODEL, name + " declares no model input");
        }
        if (g.getOutputCount() == 0) {
            throw new ExplainException(Kind.CORRUPT_MODEL, name + " declares no model output");
        }
        if (g.getOutputCount() > 1) {
            LOG.warn("ONNX model {} has {} outputs; explaining the first, '{}'", name, g.getOutputCount(),
                    g.getOutput(0).getName());
        }
        OnnxProto.ValueInfo inputInfo = inputs.get(0);
        long[] declared = declaredShape(inputInfo, name);
        long[] shape = declared.clone();
        shape[0] = GraphTensor.BATCH;
        GraphTensor input = new GraphTensor(inputInfo.getName(), shape);
        Set<String> otherInputs = new HashSet<>();
        inputs.stream().skip(1).forEach(v -> otherInputs.add(v.getName()));

        String outputName = g.getOutput(0).getName();
        // Translators go by which attributes and inputs are present rather than by opset number (Pad, Reshape,
        // Unsqueeze moved attributes to inputs over the years), so the opset is only reported.
        LOG.debug("importing ONNX model {} (opset {}, producer {} {})", name, opset(model), model.getProducerName(),
                model.getProducerVersion());
        ImportContext ctx = new ImportContext(input, initializers, readers(g), otherInputs, outputName,
                Math.max(declared[0], 0));
        OnnxOpTranslator translator = new OnnxOpTranslator();
        for (OnnxProto.Node node : g.getNodeList()) {
            translator.translate(node, ctx);
        }

        OnnxValue out = ctx.lookup(outputName);
        if (out == null) {
            throw new ExplainException(Kind.CORRUPT_MODEL, name + ": no node produces the model output '"
                    + outputName + "'");
        }
        if (!(out instanceof GraphTensor result) || result.id().equals(input.id())) {
            throw new ExplainException(Kind.UNSUPPORTED_MODEL, name + ": the model output '" + outputName
                    + "' does not depend on the input through any supported layer");
        }
        if (result.rank() != 2) {
            LOG.warn("ONNX model {}: the output has shape {}, not (batch, classes)", name, result.describeShape());
        }
        List<PendingNode> kept = ancestors(ctx.nodes(), result.id());
        Map<String, String> names = OnnxNodeNames.assign(kept, Set.of(input.id()));
        List<Node> nodes = new ArrayList<>(kept.size());
        for (PendingNode p : kept) {
            List<String> ins = p.inputs().stream().map(id -> names.getOrDefault(id, id)).toList();
            nodes.add(new Node(names.get(p.id()), p.layer(), ins));
        }
        long[] sampleShape = java.util.Arrays.copyOfRange(declared, 1, declared.length);
        return io.signstream.engine.graph.GraphFusion.fuse(new Graph(name, input.id(), sampleShape,
                TensorLayout.channelsFirstForRank(declared.length), nodes));
    }

    /** The input's declared shape; axis 0 is the batch (its value, or -1 when symbolic). */
    private static long[] declaredShape(OnnxProto.ValueInfo info, String name) throws ExplainException {
        OnnxProto.TypeInfo.TensorType type = info.getType().getTensorType();
        if (!info.getType().hasTensorType() || !type.hasShape()) {
            throw new ExplainException(Kind.UNSUPPORTED_MODEL,
                    name + ": the model input '" + info.getName() + "' has no declared shape");
        }
        int elem = type.getElemType();
        if (elem != OnnxTensors.FLOAT && elem != OnnxTensors.DOUBLE && elem != 0) {
            throw new ExplainException(Kind.UNSUPPORTED_MODEL, name + ": the model input '" + info.getName()
                    + "' has element type " + OnnxTensors.typeName(elem) + "; only float inputs are supported");
        }
        List<OnnxProto.Shape.Dim> dims = type.getShape().getDimList();
        if (dims.size() < 2 || dims.size() > 4) {
            throw new ExplainException(Kind.UNSUPPORTED_MODEL, name + ": the model input '" + info.getName()
                    + "' has rank " + dims.size() + "; supported: (N, features), (N, C, T) and (N, C, H, W)");
        }
        long[] shape = new long[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            OnnxProto.Shape.Dim d = dims.get(i);
            if (d.hasDimValue() && d.getDimValue() > 0) {
                shape[i] = d.getDimValue();
            } else if (i == 0) {
                shape[i] = -1;
            } else {
                throw new ExplainException(Kind.UNSUPPORTED_MODEL, name + ": axis " + i + " of the model input '"
                        + info.getName() + "' has no fixed length ('" + d.getDimParam()
                        + "'); only the batch axis may be dynamic");
            }
        }
        return shape;
    }

    /** How many nodes (and graph outputs) read each tensor: tells whether a node's extra outputs matter. */
    private static Map<String, Integer> readers(OnnxProto.Graph g) {
        Map<String, Integer> readers = new HashMap<>();
        for (OnnxProto.Node n : g.getNodeList()) {
            for (String in : n.getInputList()) {
                readers.merge(in, 1, Integer::sum);
            }
        }
        for (OnnxProto.ValueInfo out : g.getOutputList()) {
            readers.merge(out.getName(), 1, Integer::sum);
        }
        return readers;
    }

    private static long opset(OnnxProto.Model model) {
        for (OnnxProto.OpsetId id : model.getOpsetImportList()) {
            if (id.getDomain().isEmpty() || id.getDomain().equals("ai.onnx")) {
                return id.getVersion();
            }
        }
        return 1;
    }

    /** The nodes the output depends on, in their original order (side branches would only cost time). */
    private static List<PendingNode> ancestors(List<PendingNode> all, String outputId) {
        Map<String, PendingNode> byId = new HashMap<>();
        for (PendingNode p : all) {
            byId.put(p.id(), p);
        }
        Set<String> needed = new LinkedHashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(outputId));
        while (!todo.isEmpty()) {
            String id = todo.pop();
            PendingNode p = byId.get(id);
            if (p != null && needed.add(id)) {
                todo.addAll(p.inputs());
            }
        }
        List<PendingNode> kept = all.stream().filter(p -> needed.contains(p.id())).toList();
        if (kept.size() < all.size()) {
            LOG.debug("dropped {} ONNX nodes that do not contribute to the output", all.size() - kept.size());
        }
        return kept;
    }

    /** protobuf's messages run on with advice about truncation; the first sentence is the reason. */
    private static String firstSentence(String message) {
        String line = firstLine(message);
        int end = line.indexOf(". ");
        return end > 0 ? line.substring(0, end) : line;
    }

    /** Users pass the wrong file more often than a damaged one: name the formats that are easy to recognise. */
    private static String otherFormatHint(byte[] bytes) {
        if (bytes.length >= 4 && bytes[0] == 'P' && bytes[1] == 'K' && bytes[2] == 3 && bytes[3] == 4) {
            return " (the file is a zip archive, e.g. TorchScript or .keras)";
        }
        if (bytes.length >= 4 && (bytes[0] & 0xff) == 0x89 && bytes[1] == 'H' && bytes[2] == 'D' && bytes[3] == 'F') {
            return " (the file is HDF5, e.g. a Keras .h5 model)";
        }
        return "";
    }

    private static String firstLine(String message) {
        if (message == null || message.isBlank()) {
            return "unknown error";
        }
        int nl = message.indexOf('\n');
        return (nl >= 0 ? message.substring(0, nl) : message).trim();
    }
}
