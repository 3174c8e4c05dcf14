package io.signstream.engine.onnx;

import com.google.protobuf.ByteString;
import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import io.signstream.engine.graph.ActivationKind;
import io.signstream.engine.graph.ConvSpec;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Node;
import io.signstream.engine.graph.PoolSpec;
import io.signstream.engine.graph.TensorLayout;
import io.signstream.engine.graph.Weights;
import io.signstream.engine.onnx.proto.OnnxProto;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a {@link Graph} as an ONNX model (opset 13, IR version 7) that {@link OnnxImporter} reads back into the
 * same graph: same node names, same layer types, same weights, hence the same logits and relevance maps on either
 * engine. Any model SignStream imports (ONNX, TorchScript, Keras, ...) can so be handed to other ONNX tools, or
 * compared with its own ONNX export.
 *
 * <p>The model has one input named {@link Graph#inputName()}, declared {@code ("N", sample shape...)} with a
 * symbolic batch axis, and one output named {@value #OUTPUT_NAME}. One ONNX node per graph node, named after it
 * (so Grad-CAM layer names survive a round trip), its output tensor named after it too:
 *
 * <table>
 *   <caption>Layer → ONNX op</caption>
 *   <tr><td>Dense</td><td>Gemm, transB=1 (weight kept (out, in), as PyTorch's Linear exports)</td></tr>
 *   <tr><td>Conv</td><td>Conv (kernel_shape, pads, strides, dilations, group)</td></tr>
 *   <tr><td>MaxPool, AvgPool</td><td>MaxPool, AveragePool (count_include_pad)</td></tr>
 *   <tr><td>GlobalPool</td><td>GlobalAveragePool, GlobalMaxPool</td></tr>
 *   <tr><td>Activation</td><td>Relu, LeakyRelu (alpha), Sigmoid, Tanh</td></tr>
 *   <tr><td>BatchNorm</td><td>BatchNormalization (epsilon)</td></tr>
 *   <tr><td>Add</td><td>Add of the two tensors</td></tr>
 *   <tr><td>ConstantOp</td><td>Add, Sub, Mul, Div with the constant as an initializer, operand order kept</td></tr>
 *   <tr><td>Concat, Flatten, Transpose</td><td>Concat (axis), Flatten (axis), Transpose (perm)</td></tr>
 *   <tr><td>Reshape</td><td>Reshape with an int64 shape initializer {@code (-1, sample dims...)}</td></tr>
 *   <tr><td>Pad</td><td>Pad (constant mode) with int64 pads and a float constant_value initializer</td></tr>
 *   <tr><td>Dense on (N, …, C)</td><td>MatMul by Wᵀ, then Add b (fused back into one dense layer on import)</td></tr>
 *   <tr><td>SiLU, GELU</td><td>Mul(x, Sigmoid(x)); Mul(Mul(x, Add(Erf(Div(x, √2)), 1)), 0.5), fused back on import</td></tr>
 *   <tr><td>LayerNorm</td><td>ReduceMean, Sub, Pow, ReduceMean, Add ε, Sqrt, Div, Mul γ, Add β (opset 13 has no
 *       LayerNormalization), fused back on import</td></tr>
 *   <tr><td>ReduceMean, Slice</td><td>ReduceMean (axes, keepdims); Slice with int64 starts/ends/axes</td></tr>
 *   <tr><td>BatchConstant</td><td>Expand of the constant to Concat(Shape(x)[0:1], sample dims)</td></tr>
 *   <tr><td>Identity</td><td>Identity</td></tr>
 * </table>
 *
 * <p>Weights go into initializers as little-endian {@code raw_data}, the compact form PyTorch also writes. The input
 * layout is recorded under {@link OnnxMetadata#LAYOUT_KEY} because ONNX has no field for it and importers assume
 * channels-first. A channels-last graph (Keras) keeps its channels-last input by default, so the ONNX model takes
 * exactly the arrays the original takes; {@link Options#channelsFirstInput()} instead declares the input
 * channels-first and adds one Transpose node in front, for ONNX tools that expect NCHW.
 *
 * <p>A graph the importer could not read back (a Flatten that merges the batch, a Dense on a rank-3 tensor, a
 * Transpose that moves the batch axis, ...) is refused before anything is written, with an
 * {@link ExplainException} of kind {@link Kind#UNSUPPORTED_MODEL} that names the node.
 *
 * <pre>{@code
 * Graph graph = TorchScriptImporter.read(Path.of("digits_cnn.pt"), new long[] {1, 16, 16});
 * OnnxExporter.write(graph, Path.of("digits_cnn.onnx"));
 * Graph again = OnnxImporter.read(Path.of("digits_cnn.onnx"));   // same nodes, same logits
 * }</pre>
 */
public final class OnnxExporter {

    /** The ONNX operator set the exported models import (every op used exists unchanged in opset 13). */
    public static final long OPSET = 13;
    /** IR version 7: the version ONNX 1.8 wrote with opset 13, readable by every runtime that runs opset 13. */
    public static final long IR_VERSION = 7;
    /** The name of the model output (the logits). */
    public static final String OUTPUT_NAME = "logits";
    /** The symbolic name of the batch axis of the input and output. */
    public static final String BATCH_DIM = "N";
    /** Written into {@code producer_name}. */
    public static final String PRODUCER = "signstream";

    private static final Logger LOG = LoggerFactory.getLogger(OnnxExporter.class);

    /** ONNX TensorProto.DataType and AttributeProto.AttributeType codes used here. */
    private static final int FLOAT = 1;
    private static final int INT64 = 7;
    private static final int ATTR_FLOAT = 1;
    private static final int ATTR_INT = 2;
    private static final int ATTR_STRING = 3;
    private static final int ATTR_INTS = 7;

    private OnnxExporter() {
    }

    /**
     * How to write the model.
     *
     * @param channelsFirstInput for a channels-last graph (NHWC, NTC), declare the ONNX input channels-first and
     *     transpose it inside the model; ignored for channels-first graphs
     */
    public record Options(boolean channelsFirstInput) {
        /** The graph's own input layout. */
        public static final Options DEFAULT = new Options(false);
    }

    /**
     * What an export wrote.
     *
     * @param bytes the serialized model
     * @param inputName the ONNX input's name
     * @param inputShape the declared input shape, batch axis first as -1 (symbolic {@value #BATCH_DIM})
     * @param inputLayout the ONNX input's layout (as recorded in {@link OnnxMetadata#LAYOUT_KEY})
     * @param inputTransposed whether a channels-last graph got a channels-first input and a Transpose in front
     * @param outputShape the declared output shape, batch axis first as -1
     * @param nodes the number of ONNX nodes
     * @param initializers the number of initializers
     */
    public record Exported(byte[] bytes, String inputName, long[] inputShape, TensorLayout inputLayout,
            boolean inputTransposed, long[] outputShape, int nodes, int initializers) {
    }

    /** Writes the graph as ONNX with its own input layout; the file is replaced atomically where possible. */
    public static Exported write(Graph graph, Path out) throws ExplainException {
        return write(graph, out, Options.DEFAULT);
    }

    /** Writes the graph as ONNX; the file is written next to {@code out} first and then moved into place. */
    public static Exported write(Graph graph, Path out, Options options) throws ExplainException {
        if (Files.isDirectory(out)) {
            throw new ExplainException(Kind.BAD_INPUT, "cannot write " + out + ": it is a directory");
        }
        Exported e = export(graph, options);
        Path parent = out.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            if (parent != null) {
                Files.createDirectories(parent);
            }
            // A half-written .onnx would look like a model; write aside and move, so readers see all or nothing.
            // (Not Files.createTempFile: its owner-only permissions would stay with the model.)
            tmp = out.resolveSibling("." + out.getFileName() + "." + ProcessHandle.current().pid() + "."
                    + System.nanoTime() + ".tmp");
            Files.write(tmp, e.bytes(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            try {
                Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException atomicFailed) {
                Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException ex) {
            try {
                if (tmp != null) {
                    Files.deleteIfExists(tmp);
                }
            } catch (IOException ignored) {
                // the original error is the one to report
            }
            throw new ExplainException(Kind.BAD_INPUT, "cannot write " + out + ": " + ex.getClass().getSimpleName()
                    + (ex.getMessage() == null ? "" : ": " + ex.getMessage()), ex);
        }
        return e;
    }

    /** The graph as serialized ONNX, with its own input layout. */
    public static byte[] toBytes(Graph graph) throws ExplainException {
        return export(graph, Options.DEFAULT).bytes();
    }

    /** Serializes the graph and reports what the model declares. */
    public static Exported export(Graph graph, Options options) throws ExplainException {
        return new Writer(graph, options).run();
    }

    /** One export: allocates tensor names, emits nodes and initializers. */
    private static final class Writer {

        private final Graph graph;
        private final Options options;
        private final OnnxProto.Graph.Builder g = OnnxProto.Graph.newBuilder();
        /** Every name used for a tensor or a node so far (ONNX wants tensor names unique; nodes get theirs too). */
        private final Set<String> used = new HashSet<>();
        /** Graph tensor (input or node name) → ONNX tensor name. */
        private final Map<String, String> tensorOf = new HashMap<>();
        private int initializers;

        Writer(Graph graph, Options options) {
            this.graph = graph;
            this.options = options;
        }

        Exported run() throws ExplainException {
            ExportShapes shapes = ExportShapes.infer(graph);
            // Reserve every name the graph uses, so initializers and helper nodes never take one of them.
            used.add(graph.inputName());
            used.add(OUTPUT_NAME);
            for (Node n : graph.nodes()) {
                used.add(n.name());
            }
            TensorLayout layout = graph.layout();
            long[] sample = graph.sampleShape();
            boolean transposeInput = options.channelsFirstInput() && layout.channelsLast();
            String input = graph.inputName();
            tensorOf.put(input, input);
            if (transposeInput) {
                // The ONNX input is channels-first; a Transpose hands the graph the channels-last tensor it expects.
                int[] toLast = sample.length == 3 ? new int[] {0, 2, 3, 1} : new int[] {0, 2, 1};
                long[] first = new long[sample.length];
                first[0] = sample[sample.length - 1];
                System.arraycopy(sample, 0, first, 1, sample.length - 1);
                sample = first;
                String name = fresh(input + "/channels_last");
                g.addNode(node("Transpose", name, List.of(input), name).addAttribute(ints("perm", toLast)));
                tensorOf.put(input, name);
                layout = layout == TensorLayout.NHWC ? TensorLayout.NCHW : TensorLayout.NCT;
            }
            Node last = graph.output();
            for (Node n : graph.nodes()) {
                if (n.name().isEmpty() || n.name().startsWith("/")) {
                    // OnnxNodeNames reads a leading "/" as a PyTorch scope and an empty name as "use the tensor".
                    LOG.warn("graph {}: node name '{}' will not survive an ONNX round trip unchanged", graph.name(),
                            n.name());
                }
                String outName = n == last ? OUTPUT_NAME : tensorName(n.name());
                tensorOf.put(n.name(), outName);
            }
            for (Node n : graph.nodes()) {
                emit(n, shapes);
            }
            String in = graph.inputName();
            g.setName(graph.name());
            g.addInput(valueInfo(in, sample));
            long[] outSample = shapes.of(last.name());
            g.addOutput(valueInfo(OUTPUT_NAME, outSample));
            OnnxProto.Model model = OnnxProto.Model.newBuilder()
                    .setIrVersion(IR_VERSION)
                    .setProducerName(PRODUCER)
                    .setProducerVersion(producerVersion())
                    .addOpsetImport(OnnxProto.OpsetId.newBuilder().setDomain("").setVersion(OPSET))
                    .addMetadataProps(OnnxProto.StringStringEntry.newBuilder()
                            .setKey(OnnxMetadata.LAYOUT_KEY).setValue(layout.name()))
                    .setGraph(g)
                    .build();
            return new Exported(model.toByteArray(), in, withBatch(sample), layout, transposeInput,
                    withBatch(outSample), g.getNodeCount(), initializers);
        }

        private void emit(Node n, ExportShapes shapes) throws ExplainException {
            String name = n.name().isEmpty() ? tensorOf.get(n.name()) : n.name();
            String out = tensorOf.get(n.name());
            List<String> ins = new ArrayList<>();
            for (String i : n.inputs()) {
                ins.add(tensorOf.get(i));
            }
            String x = ins.get(0);
            Layer layer = n.layer();
            OnnxProto.Node.Builder b;
            if (layer instanceof Layer.Dense d && shapes.of(n.input()).length > 1) {
                // over the last axis of (N, …, C): MatMul by Wᵀ [+ Add b], as torch exports Linear on such tensors
                Weights wt = new Weights(transposed(d.weight()), new long[] {d.inFeatures(), d.outFeatures()});
                if (d.bias() == null) {
                    b = node("MatMul", name, List.of(x, init(n, "weight", wt)), out);
                } else {
                    String product = part(n, "MatMul", List.of(x, init(n, "weight", wt)));
                    b = node("Add", name, List.of(product, init(n, "bias", d.bias())), out);
                }
            } else if (layer instanceof Layer.Dense d) {
                List<String> operands = new ArrayList<>(List.of(x, init(n, "weight", d.weight())));
                if (d.bias() != null) {
                    operands.add(init(n, "bias", d.bias()));
                }
                b = node("Gemm", name, operands, out).addAttribute(integer("transB", 1));
            } else if (layer instanceof Layer.Conv c) {
                List<String> operands = new ArrayList<>(List.of(x, init(n, "weight", c.weight())));
                if (c.bias() != null) {
                    operands.add(init(n, "bias", c.bias()));
                }
                ConvSpec s = c.spec();
                long[] kernel = Arrays.copyOfRange(c.weight().shape(), 2, c.weight().rank());
                b = node("Conv", name, operands, out)
                        .addAttribute(ints("kernel_shape", kernel))
                        .addAttribute(ints("pads", concat(s.padBegin(), s.padEnd())))
                        .addAttribute(ints("strides", s.strides()))
                        .addAttribute(ints("dilations", s.dilations()))
                        .addAttribute(integer("group", s.groups()));
            } else if (layer instanceof Layer.MaxPool p) {
                b = pool("MaxPool", name, x, out, p.spec());
            } else if (layer instanceof Layer.AvgPool p) {
                b = pool("AveragePool", name, x, out, p.spec())
                        .addAttribute(integer("count_include_pad", p.countIncludePad() ? 1 : 0));
            } else if (layer instanceof Layer.GlobalPool p) {
                b = node(p.max() ? "GlobalMaxPool" : "GlobalAveragePool", name, List.of(x), out);
            } else if (layer instanceof Layer.Activation a && a.function() == ActivationKind.SILU) {
                // x · Sigmoid(x): the form torch exports and the importer fuses back
                b = node("Mul", name, List.of(x, part(n, "Sigmoid", List.of(x))), out);
            } else if (layer instanceof Layer.Activation a && a.function() == ActivationKind.GELU) {
                // (x · (Erf(x / √2) + 1)) · 0.5: torch's export of the exact GELU, fused back on import
                String scaled = part(n, "Div", List.of(x, init(n, "sqrt2", scalar((float) Math.sqrt(2)))));
                String erf = part(n, "Erf", List.of(scaled));
                String plusOne = part(n, "Add", List.of(erf, init(n, "one", scalar(1f))));
                String product = part(n, "Mul", List.of(x, plusOne));
                b = node("Mul", name, List.of(product, init(n, "half", scalar(0.5f))), out);
            } else if (layer instanceof Layer.LayerNorm ln) {
                b = layerNorm(n, ln, name, x, out);
            } else if (layer instanceof Layer.ReduceMean r) {
                b = node("ReduceMean", name, List.of(x), out).addAttribute(ints("axes", r.axes()))
                        .addAttribute(integer("keepdims", r.keepDims() ? 1 : 0));
            } else if (layer instanceof Layer.Slice sl) {
                b = node("Slice", name, List.of(x, initLongs(n, "starts", new long[] {sl.start()}),
                        initLongs(n, "ends", new long[] {sl.end()}), initLongs(n, "axes", new long[] {sl.axis()})),
                        out);
            } else if (layer instanceof Layer.BatchConstant bc) {
                // Expand(value, Concat(Shape(x)[0:1], sample dims)): the constant repeated over x's batch
                long[] sample = bc.value().shape();
                long[] withOne = new long[sample.length + 1];
                withOne[0] = 1;
                System.arraycopy(sample, 0, withOne, 1, sample.length);
                String batch = part(n, "Slice", List.of(part(n, "Shape", List.of(x)),
                        initLongs(n, "zero", new long[] {0}), initLongs(n, "one", new long[] {1})));
                String target = partNode(n, "Concat", List.of(batch, initLongs(n, "sample", sample)),
                        c -> c.addAttribute(integer("axis", 0)));
                b = node("Expand", name, List.of(init(n, "value", new Weights(bc.value().data(), withOne)), target),
                        out);
            } else if (layer instanceof Layer.Activation a) {
                b = activation(a, name, x, out);
                if (b == null) {
                    throw new ExplainException(Kind.UNSUPPORTED_MODEL, "cannot export node '" + n.name() + "' ("
                            + layer.kind() + ") to ONNX: this activation has no single ONNX op; explain the "
                            + "model in its own format instead");
                }
            } else if (layer instanceof Layer.BatchNorm bn) {
                b = node("BatchNormalization", name, List.of(x, init(n, "scale", bn.scale()),
                        init(n, "bias", bn.bias()), init(n, "mean", bn.mean()), init(n, "var", bn.variance())), out)
                        .addAttribute(real("epsilon", bn.epsilon()));
            } else if (layer instanceof Layer.Add) {
                b = node("Add", name, ins, out);
            } else if (layer instanceof Layer.ConstantOp op) {
                String c = init(n, "constant", op.constant());
                String type = switch (op.op()) {
                    case ADD -> "Add";
                    case SUB -> "Sub";
                    case MUL -> "Mul";
                    case DIV -> "Div";
                    case POW -> "Pow";
                };
                // Sub and Div do not commute: c − x and c / x keep the constant first, as the graph has it.
                b = node(type, name, op.constantFirst() ? List.of(c, x) : List.of(x, c), out);
            } else if (layer instanceof Layer.Concat c) {
                b = node("Concat", name, ins, out).addAttribute(integer("axis", c.axis()));
            } else if (layer instanceof Layer.Flatten f) {
                b = node("Flatten", name, List.of(x), out).addAttribute(integer("axis", f.axis()));
            } else if (layer instanceof Layer.Reshape) {
                // The resolved target (-1 for the batch, then concrete sample dims) means the same as the graph's,
                // whatever mix of 0 and -1 it used, and is what the importer accepts for any batch size.
                long[] target = withBatch(shapes.of(n.name()));
                b = node("Reshape", name, List.of(x, initLongs(n, "shape", target)), out);
            } else if (layer instanceof Layer.Transpose t) {
                b = node("Transpose", name, List.of(x), out).addAttribute(ints("perm", t.permutation()));
            } else if (layer instanceof Layer.Pad p) {
                Weights value = new Weights(new float[] {p.value()}, new long[0]);
                b = node("Pad", name, List.of(x, initLongs(n, "pads", p.pads()), init(n, "value", value)), out)
                        .addAttribute(string("mode", "constant"));
            } else if (layer instanceof Layer.Identity) {
                b = node("Identity", name, List.of(x), out);
            } else if (layer instanceof Layer.Clip c) {
                b = node("Clip", name, List.of(x, init(n, "min", new Weights(new float[] {c.min()}, new long[0])),
                        init(n, "max", new Weights(new float[] {c.max()}, new long[0]))), out);
            } else if (layer instanceof Layer.Multiply) {
                b = node("Mul", name, ins, out);
            } else if (layer instanceof Layer.Divide) {
                b = node("Div", name, ins, out);
            } else if (layer instanceof Layer.Subtract) {
                b = node("Sub", name, ins, out);
            } else if (layer instanceof Layer.MatMul) {
                b = node("MatMul", name, ins, out);
            } else if (layer instanceof Layer.Softmax s) {
                b = node("Softmax", name, List.of(x), out).addAttribute(integer("axis", s.axis()));
            } else {
                throw new ExplainException(Kind.UNSUPPORTED_MODEL, "cannot export node '" + n.name() + "' ("
                        + layer.kind() + ") to ONNX: no translation");
            }
            g.addNode(b);
        }

        /**
         * LayerNorm as torch exports it at opset 13 (which has no LayerNormalization op), the pattern the importer
         * fuses back: ReduceMean, Sub, Pow 2, ReduceMean, Add ε, Sqrt, Div [, Mul γ] [, Add β], means over the last
         * axis.
         */
        private OnnxProto.Node.Builder layerNorm(Node n, Layer.LayerNorm ln, String name, String x, String out) {
            long[] last = {-1};
            String mean = partNode(n, "ReduceMean", List.of(x), b -> b.addAttribute(ints("axes", last)));
            String centred = part(n, "Sub", List.of(x, mean));
            String square = part(n, "Pow", List.of(centred, init(n, "two", scalar(2f))));
            String variance = partNode(n, "ReduceMean", List.of(square), b -> b.addAttribute(ints("axes", last)));
            String plusEps = part(n, "Add", List.of(variance, init(n, "epsilon", scalar(ln.epsilon()))));
            String std = part(n, "Sqrt", List.of(plusEps));
            if (ln.scale() == null && ln.bias() == null) {
                return node("Div", name, List.of(centred, std), out);
            }
            String normalised = part(n, "Div", List.of(centred, std));
            if (ln.bias() == null) {
                return node("Mul", name, List.of(normalised, init(n, "scale", ln.scale())), out);
            }
            String scaled = ln.scale() == null ? normalised
                    : part(n, "Mul", List.of(normalised, init(n, "scale", ln.scale())));
            return node("Add", name, List.of(scaled, init(n, "bias", ln.bias())), out);
        }

        /** An extra ONNX node of a graph node's expansion, named {@code <node>/<op>}; returns its output. */
        private String part(Node n, String op, List<String> inputs) {
            return partNode(n, op, inputs, b -> b);
        }

        private String partNode(Node n, String op, List<String> inputs,
                java.util.function.UnaryOperator<OnnxProto.Node.Builder> attributes) {
            String t = fresh(n.name() + "/" + op);
            g.addNode(attributes.apply(node(op, t, inputs, t)));
            return t;
        }

        private OnnxProto.Node.Builder activation(Layer.Activation a, String name, String x, String out) {
            ActivationKind kind = a.function();
            return switch (kind) {
                case RELU -> node("Relu", name, List.of(x), out);
                case LEAKY_RELU -> node("LeakyRelu", name, List.of(x), out).addAttribute(real("alpha", a.alpha()));
                case SIGMOID -> node("Sigmoid", name, List.of(x), out);
                case TANH -> node("Tanh", name, List.of(x), out);
                case HARD_SWISH -> node("HardSwish", name, List.of(x), out);
                case HARD_SIGMOID -> node("HardSigmoid", name, List.of(x), out).addAttribute(real("alpha", a.alpha()))
                        .addAttribute(real("beta", 0.5f));
                case ERF -> node("Erf", name, List.of(x), out);
                case SQRT -> node("Sqrt", name, List.of(x), out);
                case SILU, GELU, GELU_TANH -> null;
            };
        }

        private OnnxProto.Node.Builder pool(String op, String name, String x, String out, PoolSpec s) {
            return node(op, name, List.of(x), out)
                    .addAttribute(ints("kernel_shape", s.kernel()))
                    .addAttribute(ints("pads", concat(s.padBegin(), s.padEnd())))
                    .addAttribute(ints("strides", s.strides()));
        }

        /** A float initializer named {@code <node>.<role>}. */
        private String init(Node n, String role, Weights w) {
            String name = fresh(n.name() + "." + role);
            ByteBuffer buf = ByteBuffer.allocate(4 * w.data().length).order(ByteOrder.LITTLE_ENDIAN);
            buf.asFloatBuffer().put(w.data());
            g.addInitializer(OnnxProto.Tensor.newBuilder().setName(name).setDataType(FLOAT)
                    .addAllDims(boxed(w.shape())).setRawData(ByteString.copyFrom(buf.array())));
            initializers++;
            return name;
        }

        /** An int64 vector initializer named {@code <node>.<role>}. */
        private String initLongs(Node n, String role, long[] values) {
            String name = fresh(n.name() + "." + role);
            ByteBuffer buf = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
            buf.asLongBuffer().put(values);
            g.addInitializer(OnnxProto.Tensor.newBuilder().setName(name).setDataType(INT64)
                    .addDims(values.length).setRawData(ByteString.copyFrom(buf.array())));
            initializers++;
            return name;
        }

        /** The node's own name for its output tensor; only "logits" is taken (by the model output). */
        private String tensorName(String nodeName) {
            return nodeName.isEmpty() || nodeName.equals(OUTPUT_NAME) ? fresh(nodeName.isEmpty() ? "t" : nodeName)
                    : nodeName;
        }

        /** {@code wanted}, or {@code wanted_2}, {@code wanted_3}, ... whichever is free first. */
        private String fresh(String wanted) {
            String name = wanted;
            for (int k = 2; !used.add(name); k++) {
                name = wanted + "_" + k;
            }
            return name;
        }
    }

    private static Weights scalar(float v) {
        return new Weights(new float[] {v}, new long[0]);
    }

    /** A (out, in) matrix as (in, out), row-major. */
    private static float[] transposed(Weights w) {
        int rows = (int) w.dim(0);
        int cols = (int) w.dim(1);
        float[] t = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = w.data()[r * cols + c];
            }
        }
        return t;
    }

    private static OnnxProto.Node.Builder node(String op, String name, List<String> inputs, String output) {
        return OnnxProto.Node.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addOutput(output);
    }

    private static OnnxProto.ValueInfo valueInfo(String name, long[] sample) {
        OnnxProto.Shape.Builder shape = OnnxProto.Shape.newBuilder()
                .addDim(OnnxProto.Shape.Dim.newBuilder().setDimParam(BATCH_DIM));
        for (long d : sample) {
            shape.addDim(OnnxProto.Shape.Dim.newBuilder().setDimValue(d));
        }
        return OnnxProto.ValueInfo.newBuilder().setName(name).setType(OnnxProto.TypeInfo.newBuilder()
                .setTensorType(OnnxProto.TypeInfo.TensorType.newBuilder().setElemType(FLOAT).setShape(shape)))
                .build();
    }

    private static OnnxProto.Attribute integer(String name, long value) {
        return OnnxProto.Attribute.newBuilder().setName(name).setType(ATTR_INT).setI(value).build();
    }

    private static OnnxProto.Attribute real(String name, float value) {
        return OnnxProto.Attribute.newBuilder().setName(name).setType(ATTR_FLOAT).setF(value).build();
    }

    private static OnnxProto.Attribute string(String name, String value) {
        return OnnxProto.Attribute.newBuilder().setName(name).setType(ATTR_STRING)
                .setS(ByteString.copyFrom(value, StandardCharsets.UTF_8)).build();
    }

    private static OnnxProto.Attribute ints(String name, long[] values) {
        return OnnxProto.Attribute.newBuilder().setName(name).setType(ATTR_INTS).addAllInts(boxed(values)).build();
    }

    private static OnnxProto.Attribute ints(String name, int[] values) {
        return ints(name, Arrays.stream(values).asLongStream().toArray());
    }

    private static long[] concat(int[] a, int[] b) {
        long[] out = new long[a.length + b.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i];
        }
        for (int i = 0; i < b.length; i++) {
            out[a.length + i] = b[i];
        }
        return out;
    }

    private static List<Long> boxed(long[] values) {
        return Arrays.stream(values).boxed().toList();
    }

    /** {@code (-1, sample...)}: the batch first, as ONNX's Reshape infers it and as {@link Exported} reports it. */
    private static long[] withBatch(long[] sample) {
        long[] out = new long[sample.length + 1];
        out[0] = -1;
        System.arraycopy(sample, 0, out, 1, sample.length);
        return out;
    }

    private static String producerVersion() {
        String v = OnnxExporter.class.getPackage().getImplementationVersion();
        return v != null ? v : "dev";
    }
}
