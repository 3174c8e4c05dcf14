package io.signstream.engine.torchscript;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.torchscript.PickleReader.PickledObject;
import io.signstream.engine.torchscript.PickleReader.TensorRecord;
import java.util.ArrayList;
import java.util.List;

/**
 * The values of the {@link TorchScriptImporter}'s symbolic execution: graph tensors (batch-first or in the per-sample
 * view), modules, parameters, shape numbers, and the bookkeeping of emitted nodes and module frames.
 */
final class TorchScriptValues {

    private TorchScriptValues() {
    }

    /**
     * A tensor of the graph: a provisional node id (or the input) and its sample shape (no batch axis).
     *
     * <p>A per-sample tensor ({@code perSample}) is one whose batch axis a {@code transpose}/{@code permute} moved
     * away from axis 0 (PyTorch's sequence-first {@code nn.MultiheadAttention}): its {@code shape} is then the full
     * shape the trace computes for one sample, the batch a unit axis (or merged into another axis by a view), and
     * the graph runs every sample of its own batch axis 0 through it; torch axis a is graph axis a + 1. Inside such a
     * region {@code size()} of the batch axis is 1, so that the trace's shape arithmetic computes one sample's
     * shapes. When the first axis of a result is 1 again the tensor returns to batch-first.
     *
     * @param softmax a softmax (or log_softmax) of the tensor {@code id}, not emitted yet: dropped when it is the
     *     model output, emitted as a {@link Layer.Softmax} when another op reads it; null for none
     */
    record TensorVal(String id, long[] shape, PendingSoftmax softmax, boolean perSample) {
        TensorVal(String id, long[] shape) {
            this(id, shape, null, false);
        }

        /** The graph axis of a (non-negative) torch axis. */
        int graphAxis(int torchAxis) {
            return perSample ? torchAxis + 1 : torchAxis;
        }

        /** The rank torch sees. */
        int torchRank() {
            return perSample ? shape.length : shape.length + 1;
        }

        /** The dims of a torch axis (the batch axis of a batch-first tensor has none). */
        long torchDim(int torchAxis) {
            return perSample ? shape[torchAxis] : shape[torchAxis - 1];
        }
    }

    /** A softmax over a graph axis (−1: the last), or a log_softmax, waiting to be emitted. */
    record PendingSoftmax(int axis, boolean log) {
    }

    /** A parameter expanded over the batch ({@code class_token.expand(n, -1, -1)}): a constant for every sample. */
    record BatchExpandedParam(ParamVal param) {
    }

    /** A submodule: its path and its pickled object. */
    record ModuleVal(String path, PickledObject object) {
        String className() {
            return object.type().name();
        }
    }

    /** A parameter or buffer of a module ({@code self.weight}); {@code transposed} after {@code torch.t}. */
    record ParamVal(String name, TensorRecord record, boolean transposed) {
    }

    /** The batch size, as {@code torch.size(x, 0)} yields it in a trace. */
    enum BatchDim { INSTANCE }

    /** A function named by a dotted path ({@code torch.relu}), only meaningful as a callee. */
    record FunctionRef(String name) {
    }

    /** A node waiting for its final name. */
    static final class Pending {
        final String id;
        final Layer layer;
        final List<String> inputs;
        final String op;
        String name;

        Pending(String id, Layer layer, List<String> inputs, String op) {
            this.id = id;
            this.layer = layer;
            this.inputs = inputs;
            this.op = op;
        }
    }

    /** One module invocation: which nodes it emitted itself and whether it called submodules. */
    static final class Frame {
        final ModuleVal module;
        final List<Pending> emitted = new ArrayList<>();
        int submoduleCalls;

        Frame(ModuleVal module) {
            this.module = module;
        }

        String describe() {
            return module.path().isEmpty() ? "the root module (" + module.className() + ")"
                    : "module '" + module.path() + "' (" + module.className() + ")";
        }
    }

    /** Signals an unsupported construct; turned into an ExplainException at the top. */
    static final class Unsupported extends RuntimeException {
        final Kind kind;

        Unsupported(Kind kind, String message) {
            super(message, null, false, false);
            this.kind = kind;
        }
    }
}
