package io.signstream.engine.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.signstream.engine.api.ExplainException;
import io.signstream.engine.backend.HostArrays;
import io.signstream.engine.exec.Activations;
import io.signstream.engine.exec.BoundGraph;
import io.signstream.engine.exec.DeconvNetPropagation;
import io.signstream.engine.exec.ForwardPass;
import io.signstream.engine.exec.GradientPropagation;
import io.signstream.engine.exec.GuidedBackpropPropagation;
import io.signstream.engine.exec.Propagation;
import io.signstream.engine.exec.ReversePass;
import java.util.SplittableRandom;

/**
 * Computes one method on a batch: a reverse pass (or several, for the path and noise methods) followed by the
 * name's post-hoc modifier. Works on any backend; the arrays it returns belong to the caller's manager.
 *
 * <pre>{@code
 * NDArray map = MethodRunner.run(model, x, targets, MethodNames.parse("gradient_x_sign", MethodParams.empty()));
 * }</pre>
 */
public final class MethodRunner {

    /** The most input elements one internal chunk of a one-pass method may hold (bounds memory). */
    static final long CHUNK_ELEMENTS = 1L << 22;
    static final int MAX_STEPS = 4096;
    static final int MAX_SAMPLES = 4096;

    private MethodRunner() {
    }

    /**
     * @param model the graph on its backend
     * @param x the batch (N, ...), in a manager the caller owns
     * @param targets one class per sample
     */
    public static NDArray run(BoundGraph model, NDArray x, int[] targets, MethodSpec spec) throws ExplainException {
        return run(model, x, targets, spec, false).map();
    }

    /**
     * Computes the maps and reports the explained classes and their logits. For single-pass methods on a batch
     * that fits one chunk, the forward pass that gives the logits is the one the reverse pass walks back.
     *
     * @param requestedTargets one class per sample (or one for all), or null for each sample's arg-max
     */
    public static MethodResult explain(BoundGraph model, NDArray x, int[] requestedTargets, MethodSpec spec)
            throws ExplainException {
        return run(model, x, requestedTargets, spec, true);
    }

    private static MethodResult run(BoundGraph model, NDArray x, int[] requested, MethodSpec spec, boolean resolve)
            throws ExplainException {
        int n = (int) x.getShape().get(0);
        Propagation single = singlePass(spec);
        if (single != null && n <= chunkSize(x)) {
            return singlePassWithLogits(model, x, requested, spec, single);
        }
        int[] targets = requested;
        float[] targetLogits = new float[n];
        if (resolve) {
            float[] logits = logitsOf(model, x);
            int classes = logits.length / n;
            targets = Targets.resolve(requested, logits, classes, spec, n);
            for (int i = 0; i < n; i++) {
                targetLogits[i] = logits[i * classes + targets[i]];
            }
        }
        return new MethodResult(finish(spec, base(model, x, targets, spec), x), targets, targetLogits);
    }

    /** The propagation of a one-pass method, or null for path, noise and CAM methods. */
    private static Propagation singlePass(MethodSpec spec) {
        return switch (spec.family()) {
            case GRADIENT, INPUT_T_GRADIENT -> new GradientPropagation();
            case GUIDED_BACKPROP -> new GuidedBackpropPropagation();
            case DECONVNET -> new DeconvNetPropagation();
            case LRP -> spec.lrp();
            default -> null;
        };
    }

    private static boolean logitSeed(MethodSpec spec) {
        return spec.family() == Family.GUIDED_BACKPROP || spec.family() == Family.DECONVNET
                || spec.family() == Family.LRP;
    }

    private static MethodResult singlePassWithLogits(BoundGraph model, NDArray x, int[] requested, MethodSpec spec,
            Propagation rules) throws ExplainException {
        NDManager caller = x.getManager();
        int n = (int) x.getShape().get(0);
        try (NDManager scope = model.backend().newManager()) {
            NDArray input = x.duplicate();
            input.attach(scope);
            Activations acts = ForwardPass.run(model, input);
            NDArray logitArray = acts.output();
            float[] logits = logitArray.toFloatArray();
            int classes = logits.length / n;
            int[] targets = Targets.resolve(requested, logits, classes, spec, n);
            float[] targetLogits = new float[n];
            for (int i = 0; i < n; i++) {
                targetLogits[i] = logits[i * classes + targets[i]];
            }
            NDArray seed = logitSeed(spec) ? Seeds.oneHotTimesLogit(logitArray, targets)
                    : Seeds.oneHot(scope, targets, classes);
            NDArray grad = ReversePass.toInput(model, acts, seed, rules);
            grad.attach(caller);
            NDArray base = spec.family() == Family.INPUT_T_GRADIENT ? grad.mul(x) : grad;
            return new MethodResult(finish(spec, base, x), targets, targetLogits);
        }
    }

    private static float[] logitsOf(BoundGraph model, NDArray x) {
        try (NDManager scope = model.backend().newManager()) {
            NDArray input = x.duplicate();
            input.attach(scope);
            return ForwardPass.logits(model, input).toFloatArray();
        }
    }

    private static NDArray finish(MethodSpec spec, NDArray base, NDArray x) {
        if (spec.family() == Family.GRAD_CAM && !(spec.modifier() instanceof Modifier.None)) {
            base = base.broadcast(x.getShape());
        }
        return SignFunctions.apply(spec.modifier(), base, x);
    }

    private static NDArray base(BoundGraph model, NDArray x, int[] targets, MethodSpec spec)
            throws ExplainException {
        return switch (spec.family()) {
            case GRADIENT -> gradients(model, x, targets, new GradientPropagation(), false);
            case INPUT_T_GRADIENT -> gradients(model, x, targets, new GradientPropagation(), false).mul(x);
            case GUIDED_BACKPROP -> gradients(model, x, targets, new GuidedBackpropPropagation(), true);
            case DECONVNET -> gradients(model, x, targets, new DeconvNetPropagation(), true);
            case LRP -> gradients(model, x, targets, spec.lrp(), true);
            case INTEGRATED_GRADIENTS -> integratedGradients(model, x, targets, spec.params());
            case SMOOTHGRAD, VARGRAD -> noiseTunnel(model, x, targets, spec);
            case GRAD_CAM -> GradCam.image(model, x, targets, spec.params());
            case GRAD_CAM_TIMESERIES -> GradCam.timeSeries(model, x, targets, spec.params());
            case DEEPLIFT -> DeepLift.map(model, x, targets, spec.params());
            case GUIDED_GRAD_CAM -> GuidedGradCam.map(model, x, targets, spec.params());
            case RANDOM_UNIFORM -> RandomUniform.map(model, x, spec.params());
        };
    }

    /**
     * One reverse pass per chunk of the batch.
     *
     * @param logitSeed seed with onehot(c)·f_c (LRP, guided backprop, DeconvNet) instead of onehot(c)
     */
    static NDArray gradients(BoundGraph model, NDArray x, int[] targets, Propagation rules, boolean logitSeed) {
        NDManager caller = x.getManager();
        int n = (int) x.getShape().get(0);
        int chunk = chunkSize(x);
        if (n <= chunk) {
            return oneChunk(model, x, targets, rules, logitSeed, caller);
        }
        NDList parts = new NDList();
        for (int from = 0; from < n; from += chunk) {
            int to = Math.min(n, from + chunk);
            int[] t = java.util.Arrays.copyOfRange(targets, from, to);
            parts.add(oneChunk(model, x.get(from + ":" + to), t, rules, logitSeed, caller));
        }
        return NDArrays.concat(parts, 0);
    }

    private static NDArray oneChunk(BoundGraph model, NDArray x, int[] targets, Propagation rules, boolean logitSeed,
            NDManager caller) {
        try (NDManager scope = model.backend().newManager()) {
            NDArray input = x.duplicate();
            input.attach(scope);
            NDArray grad = passInScope(model, input, targets, rules, logitSeed);
            grad.attach(caller);
            return grad;
        }
    }

    /** One forward and reverse pass over an input the current scope owns; the result stays in that scope. */
    private static NDArray passInScope(BoundGraph model, NDArray input, int[] targets, Propagation rules,
            boolean logitSeed) {
        Activations acts = ForwardPass.run(model, input);
        NDArray logits = acts.output();
        NDArray seed = logitSeed ? Seeds.oneHotTimesLogit(logits, targets)
                : Seeds.oneHot(input.getManager(), targets, logits.getShape().get(1));
        return ReversePass.toInput(model, acts, seed, rules);
    }

    /**
     * x ⊙ (1/n) Σ_{i=0}^{n−1} G(i/(n−1)·x): zero baseline, both end points, equal weights. The path points of a
     * chunk are made by the engine in one broadcast (α (k, 1, ...) times x − baseline (1, N, ...)) in the chunk's
     * own manager, so no copy passes through Java and none is duplicated for the pass.
     */
    private static NDArray integratedGradients(BoundGraph model, NDArray x, int[] targets, MethodParams p)
            throws ExplainException {
        int steps = p.integer("steps", 50, 2, MAX_STEPS);
        double reference = p.number("reference_inputs", 0.0);
        NDManager caller = x.getManager();
        int n = (int) x.getShape().get(0);
        NDArray baseline = reference == 0.0 ? null : x.zerosLike().add((float) reference);
        NDArray diff = baseline == null ? x : x.sub(baseline);
        NDArray diffRow = diff.expandDims(0);
        NDArray baselineRow = baseline == null ? null : baseline.expandDims(0);
        NDArray sum = null;
        // Steps are batched: every sample's path points form one big batch, cut into chunks that fit in memory.
        int perChunk = Math.max(1, ChunkPlan.rows(model, x) / Math.max(1, n));
        long[] alphaDims = new long[x.getShape().dimension() + 1];
        java.util.Arrays.fill(alphaDims, 1);
        for (int from = 0; from < steps; from += perChunk) {
            int to = Math.min(steps, from + perChunk);
            int k = to - from;
            int[] t = new int[n * k];
            float[] alphas = new float[k];
            for (int i = from; i < to; i++) {
                alphas[i - from] = (float) ((double) i / (steps - 1));
                System.arraycopy(targets, 0, t, (i - from) * n, n);
            }
            alphaDims[0] = k;
            try (NDManager scope = model.backend().newManager()) {
                NDArray alpha = HostArrays.copyOf(scope, alphas, new Shape(alphaDims));
                NDArray points = alpha.mul(diffRow);
                if (baselineRow != null) {
                    points = points.add(baselineRow);
                }
                points = points.reshape(concatDims((long) k * n, x.getShape()));
                NDArray g = passInScope(model, points, t, new GradientPropagation(), false);
                NDArray part = g.reshape(shapeWithLead(k, x.getShape())).sum(new int[] {0});
                part.attach(caller);
                sum = sum == null ? part : sum.add(part);
            }
        }
        return diff.mul(sum.div((float) steps));
    }

    /** SmoothGrad (mean) or VarGrad (population variance) of gradients at x + N(0, σ²) noise. */
    private static NDArray noiseTunnel(BoundGraph model, NDArray x, int[] targets, MethodSpec spec)
            throws ExplainException {
        MethodParams p = spec.params();
        int samples = p.integer("augment_by_n", 50, 1, MAX_SAMPLES);
        double sigma = p.number("noise_scale", 0.2);
        if (sigma < 0) {
            throw new ExplainException(ExplainException.Kind.BAD_PARAMETER, "noise_scale must be >= 0, got " + sigma);
        }
        // Noise comes from Java, not the engine, so both engines see the same draws for the same seed.
        SplittableRandom random = new SplittableRandom(p.seed(0L));
        NDManager m = x.getManager();
        int n = (int) x.getShape().get(0);
        long sampleSize = x.getShape().size() / n;
        float[] clean = x.toFloatArray();
        NDArray sum = x.zerosLike();
        NDArray sumSquares = x.zerosLike();
        int perChunk = Math.max(1, ChunkPlan.rows(model, x) / Math.max(1, n));
        for (int from = 0; from < samples; from += perChunk) {
            int to = Math.min(samples, from + perChunk);
            int rows = (to - from) * n;
            float[] noisy = new float[(int) (rows * sampleSize)];
            int[] t = new int[rows];
            for (int k = 0; k < to - from; k++) {
                for (int i = 0; i < clean.length; i++) {
                    noisy[k * clean.length + i] = (float) (clean[i] + sigma * random.nextGaussian());
                }
                System.arraycopy(targets, 0, t, k * n, n);
            }
            try (NDManager scope = model.backend().newManager()) {
                NDArray batch = HostArrays.copyOf(scope, noisy, new Shape(concatDims(rows, x.getShape())));
                NDArray g = passInScope(model, batch, t, new GradientPropagation(), false)
                        .reshape(shapeWithLead(to - from, x.getShape()));
                NDArray s1 = g.sum(new int[] {0});
                NDArray s2 = g.square().sum(new int[] {0});
                s1.attach(m);
                s2.attach(m);
                sum = sum.add(s1);
                sumSquares = sumSquares.add(s2);
            }
        }
        NDArray mean = sum.div((float) samples);
        if (spec.family() == Family.SMOOTHGRAD) {
            return mean;
        }
        return sumSquares.div((float) samples).sub(mean.square()).maximum(0f);
    }

    static int chunkSize(NDArray x) {
        long perSample = Math.max(1, x.getShape().size() / Math.max(1, x.getShape().get(0)));
        return (int) Math.max(1, Math.min(4096, CHUNK_ELEMENTS / perSample));
    }

    /** (k, N, ...) for a batch shape (N, ...). */
    private static Shape shapeWithLead(long k, Shape batchShape) {
        long[] dims = new long[batchShape.dimension() + 1];
        dims[0] = k;
        System.arraycopy(batchShape.getShape(), 0, dims, 1, batchShape.dimension());
        return new Shape(dims);
    }

    /** (rows, sample...) for a batch shape (N, sample...). */
    private static long[] concatDims(long rows, Shape batchShape) {
        long[] dims = batchShape.getShape().clone();
        dims[0] = rows;
        return dims;
    }
}
