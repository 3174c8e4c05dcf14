package io.signstream.engine.api;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import io.signstream.engine.backend.Backend;
import io.signstream.engine.backend.Backends;
import io.signstream.engine.backend.DeviceChoice;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.backend.HostArrays;
import io.signstream.engine.exec.BoundGraph;
import io.signstream.engine.exec.ForwardPass;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.keras.KerasArchiveImporter;
import io.signstream.engine.keras.KerasH5Importer;
import io.signstream.engine.keras.TfjsImporter;
import io.signstream.engine.method.MethodNames;
import io.signstream.engine.method.MethodParams;
import io.signstream.engine.method.MethodResult;
import io.signstream.engine.method.MethodRunner;
import io.signstream.engine.method.MethodSpec;
import io.signstream.engine.npy.NpyArray;
import io.signstream.engine.onnx.OnnxImporter;
import io.signstream.engine.savedmodel.SavedModelImporter;
import io.signstream.engine.torchscript.TorchScriptImporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * The framework-agnostic entry point: model + input + method name → relevance map. The engine follows the model
 * (TorchScript and ONNX → PyTorch; Keras .h5/.keras, TensorFlow.js model.json and SavedModel folders →
 * TensorFlow) unless one is asked for; every imported model runs on either engine. TensorFlow-side models take
 * inputs in their own channels-last layout.
 * Not thread-safe: use one instance per thread (the stream's workers each hold their own).
 *
 * <pre>{@code
 * try (Explainer ex = Explainer.open(Path.of("digits_cnn.onnx"), EngineKind.TENSORFLOW, DeviceChoice.CPU)) {
 *     RelevanceMap r = ex.explain(NpyFile.read(Path.of("x.npy")), null, "lrpsign_epsilon_0_1", Map.of());
 *     NpyFile.write(Path.of("out.npy"), r.map());
 * }
 * }</pre>
 */
public final class Explainer implements AutoCloseable {

    /** Largest batch one call accepts (bounds memory for inputs that come from outside). */
    public static final int MAX_BATCH = 4096;

    private final Path file;
    private final ModelFormat format;
    private final Backend backend;
    private Graph graph;
    private BoundGraph bound;

    private Explainer(Path file, ModelFormat format, Backend backend, Graph graph) {
        this.file = file;
        this.format = format;
        this.backend = backend;
        this.graph = graph;
        this.bound = graph == null ? null : new BoundGraph(graph, backend);
    }

    /** Opens a model on its default engine, on the CPU. */
    public static Explainer open(Path modelFile) throws ExplainException {
        return open(modelFile, null, DeviceChoice.CPU);
    }

    /**
     * @param engine null for the model's default engine
     */
    public static Explainer open(Path modelFile, EngineKind engine, DeviceChoice device) throws ExplainException {
        if (!Files.isRegularFile(modelFile) && !Files.isDirectory(modelFile)) {
            throw new ExplainException(ExplainException.Kind.MODEL_NOT_FOUND, "model file not found: " + modelFile);
        }
        ModelFormat format = ModelFormat.of(modelFile);
        Graph graph = switch (format) {
            case ONNX -> OnnxImporter.read(modelFile);
            case H5 -> KerasH5Importer.read(modelFile);
            case KERAS -> KerasArchiveImporter.read(modelFile);
            case TFJS -> TfjsImporter.read(modelFile);
            case SAVED_MODEL -> SavedModelImporter.read(modelFile);
            case TORCHSCRIPT -> null; // imported on first use, when the input shape is known
        };
        EngineKind kind = engine != null ? engine : format.tensorFlowSide() ? EngineKind.TENSORFLOW
                : EngineKind.PYTORCH;
        Backend backend;
        try {
            backend = Backends.open(kind, device);
        } catch (RuntimeException e) {
            throw new ExplainException(ExplainException.Kind.COMPUTE_FAILED,
                    "cannot start the " + kind.id() + " engine: " + e.getMessage(), e);
        }
        return new Explainer(modelFile, format, backend, graph);
    }

    public EngineKind engine() {
        return backend.kind();
    }

    public String device() {
        return backend.device();
    }

    /** True when the model's input layout puts channels on axis 1 (ONNX, PyTorch); false for Keras-style models. */
    public boolean channelsFirst() {
        return graph == null || !graph.layout().channelsLast();
    }

    public Path modelFile() {
        return file;
    }

    /** The imported graph (TorchScript models are imported on first use, when the input shape is known). */
    public Graph graph(long[] sampleShape) throws ExplainException {
        if (graph == null) {
            graph = TorchScriptImporter.read(file, sampleShape);
            bound = new BoundGraph(graph, backend);
        }
        return graph;
    }

    /** The model's logits for a batch, (N, classes). */
    public NpyArray logits(NpyArray input) throws ExplainException {
        graph(input.sampleShape());
        InputChecks.check(graph, input);
        // the scope closes every array the call creates, also those DJL attaches to the model's manager
        // (an op on a weight belongs to the weight's manager): without it each call leaked them
        try (NDScope scope = new NDScope(); NDManager m = backend.newManager()) {
            NDArray logits = ForwardPass.logits(bound, HostArrays.copyOf(m, input.data(), new Shape(input.shape())));
            return new NpyArray(logits.toFloatArray(), logits.getShape().getShape().clone());
        } catch (RuntimeException e) {
            throw computeFailed(e);
        }
    }

    /**
     * Computes one method for a batch.
     *
     * @param targets one class per sample, or null for each sample's arg-max logit
     * @param params method parameters (METHODS.md names; PyTorch-side aliases accepted); unused ones are ignored
     */
    public RelevanceMap explain(NpyArray input, int[] targets, String method, Map<String, String> params)
            throws ExplainException {
        MethodSpec spec = MethodNames.parse(method, MethodParams.of(params == null ? Map.of() : params));
        graph(input.sampleShape());
        InputChecks.check(graph, input);
        long start = System.nanoTime();
        // the scope closes every array the call creates, also those DJL attaches to the model's manager
        // (an op on a weight belongs to the weight's manager): without it each call leaked them
        try (NDScope scope = new NDScope(); NDManager m = backend.newManager()) {
            NDArray x = HostArrays.copyOf(m, input.data(), new Shape(input.shape()));
            MethodResult result = MethodRunner.explain(bound, x, targets, spec);
            NDArray map = result.map();
            NpyArray out = new NpyArray(map.toFloatArray(), map.getShape().getShape().clone());
            return new RelevanceMap(method, backend.kind(), backend.device(), out, result.targets(),
                    result.targetLogits(), (System.nanoTime() - start) / 1e9);
        } catch (RuntimeException e) {
            throw computeFailed(e);
        }
    }

    private ExplainException computeFailed(RuntimeException e) {
        return new ExplainException(ExplainException.Kind.COMPUTE_FAILED, "computation failed on "
                + backend.kind().id() + ": " + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
    }

    @Override
    public void close() {
        if (bound != null) {
            bound.close();
        }
        backend.close();
    }

    @Override
    public String toString() {
        return "Explainer[" + file + " (" + format + ") on " + backend.kind().id() + " " + backend.device() + "]";
    }

    static String shape(long[] s) {
        return Arrays.toString(s);
    }
}
