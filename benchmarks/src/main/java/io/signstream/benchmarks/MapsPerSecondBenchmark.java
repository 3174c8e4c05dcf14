package io.signstream.benchmarks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import io.signstream.engine.api.ExplainException;
import io.signstream.engine.backend.Backend;
import io.signstream.engine.backend.Backends;
import io.signstream.engine.backend.DeviceChoice;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.backend.HostArrays;
import io.signstream.engine.exec.BoundGraph;
import io.signstream.engine.exec.ForwardPass;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.method.MethodNames;
import io.signstream.engine.method.MethodParams;
import io.signstream.engine.method.MethodRunner;
import io.signstream.engine.method.MethodSpec;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Relevance maps per second, and the forward pass they are measured against, per (model, engine, batch).
 *
 * <p>Every benchmark method is one call on a fixed input batch of {@code batch} samples: {@link #forward} is
 * {@link ForwardPass#logits}; every other method is {@link MethodRunner#run} of one method name (which runs its
 * own forward pass, as the {@code Explainer} does). Each call copies the batch into a fresh manager of the engine,
 * computes, and copies the result back to a Java array (so the engine has finished), then frees the manager and
 * every array the call made (an {@code NDScope}, as the {@code Explainer} has).
 * Mode is average time per call; maps per second = batch / time, and a method's cost in forward passes =
 * its time / the forward time of the same state ({@link RatioReport} prints both from JMH's JSON).
 *
 * <p>Parameters: {@code workload} is {@code model/batch} (see {@link Workloads}); {@code engine} is
 * {@code pytorch} or {@code tensorflow}; {@code igSteps} is the number of points on the integrated-gradients path
 * (50 is the engine's default, the SignXAI {@code steps=50}: 50 gradient evaluations per sample, batched by the
 * engine into chunks of at most 2²² input values).
 *
 * <p>The LRP benchmarks need the LRP names in {@link MethodNames#parse}; on an engine without them the trial
 * fails in setup with a message. {@link RunBenchmarks} checks this first and leaves them out instead.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
// Keep in step with RunBenchmarks.FORK_ARGS. DJL offline: the engines come from the jar, never from the network.
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true", "-Xss4m", "-Xms1g", "-Xmx8g", "-XX:+AlwaysPreTouch"})
public class MapsPerSecondBenchmark {

    /** The methods measured besides the forward pass: JMH benchmark method → SignStream method name. */
    public static final Map<String, String> METHODS = Map.of(
            "gradient", "gradient",
            "integratedGradients", "integrated_gradients",
            "lrpEpsilon", "lrp_epsilon_0_1",
            "lrpsignEpsilon", "lrpsign_epsilon_0_1");

    /** Benchmark methods in report order. */
    public static final List<String> ORDER =
            List.of("forward", "gradient", "integratedGradients", "lrpEpsilon", "lrpsignEpsilon");

    /**
     * {@code model/batch}. VGG16 ({@code vgg16/4}) is not in the default list: one call takes seconds there and
     * integrated gradients minutes, so it runs with 1-second iterations ({@link RunBenchmarks}) or on request,
     * {@code -p workload=vgg16/4 -wi 3 -w 1s -i 5 -r 1s}.
     */
    @Param({"small_vgg/32", "digits_cnn/4", "digits_cnn/64", "digits_cnn/256"})
    public String workload;

    @Param({"pytorch", "tensorflow"})
    public String engine;

    @Param({"50"})
    public int igSteps;

    private Backend backend;
    private BoundGraph model;
    private float[] input;
    private Shape shape;
    private int[] targets;
    private MethodSpec spec;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) throws ExplainException {
        String benchmark = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        String method = METHODS.get(benchmark);
        if (method != null) {
            // Fail before the (slow) engine start when the method is missing.
            spec = spec(method, igSteps).orElseThrow(() -> new IllegalStateException("skipped: the engine does not"
                    + " compute '" + method + "' yet (MethodNames.parse rejects it); RunBenchmarks leaves it out"));
        }
        Graph graph = Workloads.graph(Workloads.model(workload));
        int batch = Workloads.batch(workload);
        long[] dims = Workloads.batchShape(graph, batch);
        shape = new Shape(dims);
        input = Workloads.input(dims);
        backend = Backends.open(EngineKind.parse(engine), DeviceChoice.CPU);
        model = new BoundGraph(graph, backend);
        float[] logits = forward(); // also copies every weight to the engine before the first timed call
        int classes = logits.length / batch;
        targets = new int[batch];
        for (int i = 0; i < batch; i++) {
            int best = 0;
            for (int c = 1; c < classes; c++) {
                if (logits[i * classes + c] > logits[i * classes + best]) {
                    best = c;
                }
            }
            targets[i] = best;
        }
    }

    /**
     * The parsed method, or empty when the engine does not know the name yet (the LRP names before the LRP
     * catalogue lands).
     */
    public static Optional<MethodSpec> spec(String method, int igSteps) {
        try {
            return Optional.of(MethodNames.parse(method, MethodParams.of(Map.of("steps", Integer.toString(igSteps)))));
        } catch (ExplainException e) {
            return Optional.empty();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (model != null) {
            model.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    @Benchmark
    public float[] forward() {
        // the scope closes every array the call makes, also those DJL attaches to the weights' manager (an op on a
        // weight belongs to the weight's), as Explainer does: without it each call leaked them
        try (NDScope scope = new NDScope(); NDManager m = backend.newManager()) {
            return ForwardPass.logits(model, HostArrays.copyOf(m, input, shape)).toFloatArray();
        }
    }

    @Benchmark
    public float[] gradient() throws ExplainException {
        return map();
    }

    @Benchmark
    public float[] integratedGradients() throws ExplainException {
        return map();
    }

    @Benchmark
    public float[] lrpEpsilon() throws ExplainException {
        return map();
    }

    @Benchmark
    public float[] lrpsignEpsilon() throws ExplainException {
        return map();
    }

    private float[] map() throws ExplainException {
        try (NDScope scope = new NDScope(); NDManager m = backend.newManager()) {
            NDArray x = HostArrays.copyOf(m, input, shape);
            return MethodRunner.run(model, x, targets, spec).toFloatArray();
        }
    }
}
