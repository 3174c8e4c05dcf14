package io.signstream.engine.torchscript;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.Node;
import io.signstream.engine.torchscript.PickleReader.PickledObject;
import io.signstream.engine.torchscript.TorchScriptCodeParser.ClassDef;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

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
 * {@code nn.MultiheadAttention}) switches to a per-sample view ({@link TorchScriptValues.TensorVal}), in which {@code size()} of the
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
        return new TorchScriptInterpreter(archive, classes, sampleShape).run(module);
    }
}
