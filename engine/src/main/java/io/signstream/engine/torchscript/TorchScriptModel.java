package io.signstream.engine.torchscript;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.util.Pair;
import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A TorchScript model run by libtorch through DJL's PyTorch engine: the forward pass and input gradients by
 * autograd. It works for every TorchScript model, including those {@link TorchScriptImporter} cannot rebuild as a
 * graph, which is why the autograd-based methods fall back to it.
 *
 * <p>How it gets input gradients out of DJL 0.28 (DESIGN.md, "measured facts"): by default DJL runs TorchScript
 * in inference mode and loads parameters as inference tensors, so no gradient reaches the input. The model is
 * therefore loaded with {@code trainParam=true} (ordinary tensors), every parameter is frozen again
 * ({@code requires_grad = false}: we want ∂/∂x only, and nothing may accumulate in the weights' {@code .grad}),
 * and the gradient pass calls {@link IValueUtils#forward(PtSymbolBlock, NDList, boolean)} with {@code true}, which
 * leaves autograd on without switching the module to training mode (dropout and batch norm stay in eval mode).
 *
 * <p>Correct numbers: libtorch's autograd through convolutions is wrong with oneDNN's AVX2/AVX-512 kernels on some
 * AMD EPYC CPUs (measured on this project's machines: input gradients of a batch off the float64 reference by 100 %).
 * A process that uses this class's gradients on such a CPU needs {@code ONEDNN_MAX_CPU_ISA=AVX} in its environment;
 * the engine's own reverse passes ({@link io.signstream.engine.api.Explainer}) use no libtorch autograd through a
 * convolution and agree with every reference with all kernels (README, "Correct numbers on every CPU").
 *
 * <pre>{@code
 * try (TorchScriptModel model = TorchScriptModel.load(Path.of("digits_cnn.pt"));
 *      NDManager m = NDManager.newBaseManager("PyTorch")) {
 *     NDArray x = m.create(pixels, new Shape(2, 1, 16, 16));            // a batch of 2
 *     NDArray logits = model.forward(x);                                  // (2, 10)
 *     NDArray seed = m.create(new int[] {3, 7}).oneHot(10);               // each sample's target class
 *     NDArray grad = model.inputGradient(x, seed);                        // (2, 1, 16, 16): ∂f_3/∂x_0, ∂f_7/∂x_1
 * }
 * }</pre>
 */
public final class TorchScriptModel implements AutoCloseable {

    private static final Pattern SHAPE_ERROR =
            Pattern.compile("(?i)shape|size of tensor|dimension|expected .*channels|must match|mat1 and mat2");

    private final Path path;
    private final Model model;
    private final PtSymbolBlock block;

    private TorchScriptModel(Path path, Model model, PtSymbolBlock block) {
        this.path = path;
        this.model = model;
        this.block = block;
    }

    /** Loads a TorchScript file on the CPU. */
    public static TorchScriptModel load(Path pt) throws ExplainException {
        return load(pt, Device.cpu());
    }

    /**
     * Loads a TorchScript file.
     *
     * @throws ExplainException {@link Kind#MODEL_NOT_FOUND} for a missing file, {@link Kind#CORRUPT_MODEL} for one
     *     that is not a TorchScript archive or that libtorch refuses
     */
    public static TorchScriptModel load(Path pt, Device device) throws ExplainException {
        // libtorch's own errors are multi-line C++ traces: check the zip ourselves first for a clear message
        TorchScriptArchive.checkIsArchive(pt);
        String name = pt.getFileName().toString();
        Model model = Model.newInstance(name, device, "PyTorch");
        try {
            Map<String, String> options = new LinkedHashMap<>();
            options.put("trainParam", "true"); // ordinary tensors instead of inference tensors (see class comment)
            options.put("mapLocation", "true"); // load the weights onto `device` whatever device saved them
            model.load(pt.toAbsolutePath(), name, options);
            if (!(model.getBlock() instanceof PtSymbolBlock block)) {
                throw new ExplainException(Kind.CORRUPT_MODEL, "TorchScript model " + pt + " did not load as a module");
            }
            for (Pair<String, Parameter> p : block.getParameters()) {
                // frozen: autograd then computes ∂/∂x only, and no weight gradient accumulates between calls
                p.getValue().getArray().setRequiresGradient(false);
            }
            return new TorchScriptModel(pt, model, block);
        } catch (ExplainException e) {
            model.close();
            throw e;
        } catch (Exception e) {
            model.close();
            throw new ExplainException(Kind.CORRUPT_MODEL,
                    "libtorch cannot load TorchScript model " + pt + ": " + reason(e), e);
        }
    }

    /** The file this model was loaded from. */
    public Path path() {
        return path;
    }

    /** Parameter names as libtorch reports them (e.g. {@code features.0.weight}) with their shapes. */
    public Map<String, long[]> parameterShapes() {
        Map<String, long[]> out = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            out.put(p.getKey(), p.getValue().getArray().getShape().getShape());
        }
        return out;
    }

    /**
     * The model's output for a batch, attached to {@code x}'s manager. Thread-safe; runs without autograd.
     *
     * @param x a batch in the model's layout, on the PyTorch engine (arrays of another engine are copied)
     * @throws ExplainException BAD_SHAPE when libtorch rejects the input's shape, COMPUTE_FAILED otherwise
     */
    public NDArray forward(NDArray x) throws ExplainException {
        try (NDManager scope = model.getNDManager().newSubManager()) {
            NDArray input = onModel(x, scope);
            NDArray y = run(input, false);
            NDArray out = y.toDevice(x.getDevice(), false);
            return backTo(out, x.getManager());
        }
    }

    /**
     * The gradient of Σ seed·f(x) with respect to x, for a batch: with a one-hot seed per sample, row i is
     * ∂f_target(i)/∂x_i (samples do not interact). Serialised with every other gradient computation of the
     * process through {@link PyTorchAutograd#LOCK}.
     *
     * @param x the batch, shape (N, ...)
     * @param seed the output signal, the shape of f(x)
     * @return an array of x's shape, attached to x's manager
     * @throws ExplainException BAD_SHAPE for a seed of another shape than the output or an input libtorch rejects
     */
    public NDArray inputGradient(NDArray x, NDArray seed) throws ExplainException {
        return PyTorchAutograd.collect(collector -> {
            try (NDManager scope = model.getNDManager().newSubManager()) {
                // a detached leaf (torch's x.detach()): shares x's memory, which nothing writes, but none of its
                // autograd state, so a caller's own requires_grad on x neither breaks nor sees this pass
                NDArray leaf = onModel(x, scope).stopGradient();
                leaf.attach(scope);
                leaf.setRequiresGradient(true);
                NDArray y = run(leaf, true);
                if (!y.getShape().equals(seed.getShape())) {
                    throw new ExplainException(Kind.BAD_SHAPE, "seed shape " + seed.getShape() + " differs from the"
                            + " output shape " + y.getShape() + " of " + path.getFileName());
                }
                NDArray s = onModel(seed, scope).toType(y.getDataType(), false);
                collector.backward(y.mul(s).sum());
                NDArray grad = leaf.getGradient();
                NDArray out = grad.toDevice(x.getDevice(), true);
                return backTo(out, x.getManager());
            }
        });
    }

    private NDArray run(NDArray input, boolean withGradient) throws ExplainException {
        NDList out;
        try {
            out = IValueUtils.forward(block, new NDList(input), withGradient);
        } catch (RuntimeException e) {
            String why = reason(e);
            Kind kind = SHAPE_ERROR.matcher(why).find() ? Kind.BAD_SHAPE : Kind.COMPUTE_FAILED;
            throw new ExplainException(kind, path.getFileName() + " rejects input " + input.getShape() + ": " + why,
                    e);
        }
        if (out.size() != 1) {
            throw new ExplainException(Kind.UNSUPPORTED_MODEL,
                    path.getFileName() + " returns " + out.size() + " tensors; one output tensor is expected");
        }
        return out.get(0);
    }

    /** The array on this model's engine and device, created in {@code scope} when a copy is needed. */
    private NDArray onModel(NDArray x, NDManager scope) {
        NDArray a = x;
        if (!(a instanceof PtNDArray)) {
            a = scope.create(x.toType(DataType.FLOAT32, false).toFloatArray(), x.getShape());
        }
        if (!a.getDevice().equals(scope.getDevice())) {
            a = a.toDevice(scope.getDevice(), true);
            a.attach(scope);
        }
        return a;
    }

    /** Moves a result out of the temporary scope into the caller's manager (copying across engines). */
    private static NDArray backTo(NDArray out, NDManager target) {
        if (target.getEngine() != null && !"PyTorch".equals(target.getEngine().getEngineName())) {
            return target.create(out.toType(DataType.FLOAT32, false).toFloatArray(), out.getShape());
        }
        out.attach(target);
        return out;
    }

    /** One line out of libtorch's multi-line errors: the final "RuntimeError: ..." line where there is one. */
    static String reason(Throwable e) {
        String best = null;
        for (Throwable t = e; t != null; t = t.getCause()) {
            String msg = t.getMessage();
            if (msg == null) {
                continue;
            }
            String[] lines = msg.split("\\R");
            for (int i = lines.length - 1; i >= 0; i--) {
                String l = lines[i].strip();
                if (l.matches("^\\w*(Error|Exception): .*")) {
                    return TorchScriptArchive.oneLine(l.substring(l.indexOf(':') + 1));
                }
            }
            if (best == null) {
                best = Arrays.stream(lines).map(String::strip).filter(l -> !l.isEmpty()).findFirst().orElse(null);
            }
        }
        return TorchScriptArchive.oneLine(best != null ? best : e.getClass().getSimpleName());
    }

    @Override
    public void close() {
        model.close();
    }

    @Override
    public String toString() {
        return "TorchScriptModel[" + path.getFileName() + "]";
    }
}
