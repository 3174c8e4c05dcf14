package io.signstream.engine.savedmodel;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Node;
import io.signstream.engine.graph.TensorLayout;
import io.signstream.engine.savedmodel.TfOp.TfOutput;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Imports a TensorFlow SavedModel folder (TF1 or TF2, {@code saved_model.pb} + {@code variables/}) into a
 * SignStream {@link Graph}.
 *
 * <p><b>Approach.</b> The SavedModel's GraphDef is translated op by op into the model graph, starting from the
 * {@code serving_default} signature's output and walking back to its input (function calls of TF2 models are
 * inlined, see {@link TfGraphWalker}). Variable values are read from the checkpoint files directly
 * ({@link TensorBundle}); frozen graphs carry them as {@code Const} nodes.
 *
 * <p><b>Why import rather than run the SavedModel in DJL.</b> DJL's TensorFlow engine can run a SavedModel forward
 * but has no autograd ("Not supported"), so it could serve neither the gradient methods nor LRP, and it cannot run
 * TF2 SavedModels with asset initialisers at all (DJL 0.28 does not feed {@code asset_path_initializer}). As a
 * graph, the model runs on either engine through the same forward pass, gradient pass and LRP rules as every
 * other format, so methods, maps and cross-engine comparisons behave the same. Reading the checkpoint directly
 * (rather than evaluating the variables through a DJL session) keeps the import free of native code: it works
 * before any engine is started, for models DJL cannot load, and for the PyTorch engine without TensorFlow.
 *
 * <p><b>Layout.</b> TensorFlow images are NHWC. The graph computes channels first: a Transpose to NCHW precedes
 * the first convolution, kernels are converted from HWIO to OIHW, and a Transpose back to NHWC precedes any
 * reshape so that a flatten orders features as the model's dense kernel expects. The graph's layout, its input and
 * its maps stay NHWC. Bias adds are folded into the preceding dense or convolution layer ({@link BiasFolding}).
 * A trailing {@code Softmax} is removed with a warning, since explanations start from the logits.
 *
 * <p><b>Supported ops</b>: Placeholder (the signature input), Const, VariableV2/VarHandleOp/ReadVariableOp,
 * Identity/IdentityN and other pass-through ops, PlaceholderWithDefault (its default), StatefulPartitionedCall/
 * PartitionedCall (inlined), MatMul, Conv2D and DepthwiseConv2dNative (NHWC; SAME, VALID and EXPLICIT padding;
 * strides; dilations), BiasAdd, Add/AddV2/Sub/Mul/RealDiv/Neg with a constant, Add/AddV2/AddN/Sub between tensors,
 * Relu, Sigmoid, Tanh, LeakyRelu, MaxPool, AvgPool, Mean/Max over the spatial axes (global pooling),
 * FusedBatchNorm (inference), Pad/PadV2, Reshape/Squeeze/ExpandDims/Transpose within a sample, ConcatV2, and
 * arithmetic on constants (Shape, StridedSlice, Pack, Prod, Cast, Rsqrt, Sqrt, Reciprocal, Square, Exp, Log).
 * Anything else (e.g. Relu6, Elu, Softmax inside the model, control flow) fails with
 * {@link Kind#UNSUPPORTED_MODEL} naming every missing op.
 *
 * <pre>{@code
 * Graph graph = SavedModelImporter.read(Path.of("models/lenet"));   // the folder holding saved_model.pb
 * }</pre>
 *
 * <p>Errors: {@link Kind#MODEL_NOT_FOUND} for a missing folder or one without {@code saved_model.pb},
 * {@link Kind#CORRUPT_MODEL} for files that are not a consistent SavedModel, {@link Kind#UNSUPPORTED_MODEL} for a
 * model without a {@code serving_default} signature, with several inputs or outputs, or with ops the graph cannot
 * represent.
 */
public final class SavedModelImporter {

    private static final Logger LOG = LoggerFactory.getLogger(SavedModelImporter.class);
    private static final Set<String> SOFTMAX = Set.of("Softmax", "LogSoftmax");

    private SavedModelImporter() {
    }

    /** True when {@code path} is a folder holding {@code saved_model.pb}. */
    public static boolean isSavedModel(Path path) {
        return Files.isDirectory(path) && Files.isRegularFile(path.resolve(SavedModelFile.PROTO));
    }

    /**
     * @param dir the SavedModel folder, or its {@code saved_model.pb}; the graph is named after the folder
     */
    public static Graph read(Path dir) throws ExplainException {
        Path folder = dir.getFileName() != null && dir.getFileName().toString().equals(SavedModelFile.PROTO)
                && Files.isRegularFile(dir) ? dir.toAbsolutePath().getParent() : dir;
        SavedModelFile file = SavedModelFile.open(folder);
        try {
            return translate(file);
        } catch (IllegalArgumentException | ArithmeticException | IndexOutOfBoundsException e) {
            // Inconsistent sizes that slipped past the checks surface from the graph types; still one line.
            throw new ExplainException(Kind.CORRUPT_MODEL, "cannot import SavedModel " + file.name() + ": "
                    + e.getMessage(), e);
        }
    }

    private static Graph translate(SavedModelFile file) throws ExplainException {
        String name = file.name();
        ServingSignature sig = ServingSignature.of(file.meta(), name);
        TfGraphWalker.Walk walk = TfGraphWalker.walk(file.meta().getGraphDef(), sig.inputTensor(), sig.outputTensor(),
                name);
        TfOutput output = withoutSoftmax(walk.output(), name);
        List<TfOp> ops = needed(walk.ops(), output);
        if (walk.input() == null || !ops.contains(walk.input())) {
            throw new ExplainException(Kind.UNSUPPORTED_MODEL, name + ": the serving output '" + sig.outputTensor()
                    + "' does not depend on the input '" + sig.inputTensor() + "'");
        }
        String assetsNote = file.hasAssets() ? " (the model also has asset initialisers, which DJL 0.28's "
                + "TensorFlow engine cannot run for TF2 SavedModels)" : "";
        TfOpTranslator.checkSupported(ops, name, assetsNote);

        String inputName = sig.inputNode();
        GraphBuilder builder = new GraphBuilder(inputName);
        ImportState state = new ImportState(file, builder);
        for (TfOp op : ops) {
            if (op.modelInput()) {
                state.put(op, new TfTensor(inputName, sig.inputShape(), false));
            } else {
                TfOpTranslator.translate(op, state);
            }
        }
        if (!(state.value(output) instanceof TfTensor result) || result.node().equals(inputName)) {
            throw new ExplainException(Kind.UNSUPPORTED_MODEL, name + ": the serving output '" + sig.outputTensor()
                    + "' does not depend on the input through any layer");
        }
        result = builder.channelsLast(result);
        String out = result.node();
        if (result.rank() == 1) {
            // One value per sample (a regression, or a scalar model fed a batch): one class, so that the graph
            // output is (N, classes) like every other model's.
            out = builder.add(out + "/as_class", new Layer.Reshape(new long[] {0, 1}), out);
        } else if (result.rank() > 2) {
            LOG.warn("SavedModel {}: the output has shape {}, not (batch, classes)", name, result.describe());
        }
        List<Node> nodes = BiasFolding.apply(ancestors(builder.nodes(), out));
        long[] sample = Arrays.copyOfRange(sig.inputShape(), 1, sig.inputShape().length);
        return new Graph(name, inputName, sample, layout(sample.length), nodes);
    }

    /** The output without a trailing softmax: explanations start from the logits. */
    private static TfOutput withoutSoftmax(TfOutput output, String name) {
        TfOutput out = output;
        while (SOFTMAX.contains(out.op().type()) && !out.op().inputs().isEmpty()) {
            LOG.warn("SavedModel {}: removed the trailing {} '{}'; maps explain the logits", name, out.op().type(),
                    out.op().id());
            out = out.op().inputs().get(0);
        }
        return out;
    }

    /** The ops the output depends on, in walk (topological) order. */
    private static List<TfOp> needed(List<TfOp> all, TfOutput output) {
        Set<String> seen = new HashSet<>();
        Deque<TfOp> todo = new ArrayDeque<>(List.of(output.op()));
        while (!todo.isEmpty()) {
            TfOp op = todo.pop();
            if (seen.add(op.id())) {
                op.inputs().forEach(i -> todo.push(i.op()));
            }
        }
        return all.stream().filter(op -> seen.contains(op.id())).toList();
    }

    /** The nodes the output depends on (conversions made for shape queries only are dropped). */
    private static List<Node> ancestors(List<Node> all, String output) {
        Map<String, Node> byName = new HashMap<>();
        all.forEach(n -> byName.put(n.name(), n));
        Set<String> needed = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(output));
        while (!todo.isEmpty()) {
            Node n = byName.get(todo.pop());
            if (n != null && needed.add(n.name())) {
                todo.addAll(n.inputs());
            }
        }
        return all.stream().filter(n -> needed.contains(n.name())).toList();
    }

    private static TensorLayout layout(int sampleRank) {
        return switch (sampleRank) {
            case 0, 1 -> TensorLayout.NC;
            case 2 -> TensorLayout.NTC;
            default -> TensorLayout.NHWC;
        };
    }
}
