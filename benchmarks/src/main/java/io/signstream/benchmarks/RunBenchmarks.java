package io.signstream.benchmarks;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The documented benchmark run: {@link MapsPerSecondBenchmark} on every workload and engine, then the ratio
 * report. Two JMH runs: the fixture models with the annotation defaults (2 warm-ups × 2 s, 3 measurements × 3 s,
 * 1 fork), then VGG16 at batch 4 with shorter iterations (one call takes seconds there). Methods the engine
 * does not compute yet (checked with {@code MethodNames.parse}) are left out with a message.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.signstream.benchmarks.RunBenchmarks [options]
 *   --out DIR                 where the JSON results and ratios.md go (default: jmh-results)
 *   --engines a,b             default pytorch,tensorflow
 *   --workloads w,...         fixture workloads, model/batch (default small_vgg/32,digits_cnn/4,digits_cnn/64,digits_cnn/256;
 *                             none: VGG16 only)
 *   --ig-steps N              integrated-gradients steps for the fixture workloads (default 50)
 *   --vgg16-ig-steps N        integrated-gradients steps on VGG16 (default 0: IG left out on VGG16, where one
 *                             call costs about N gradient maps, minutes on 2 cores)
 *   --vgg16-iterations W,M    warm-up and measurement iterations on VGG16 (default 3,5; 1 s each, ≥ 1 call: a
 *                             call takes 1–3 s, and the first two of a method are up to 1.7× slower than the rest)
 *   --no-vgg16                skip the VGG16 run
 *   --threads N               intra-op threads of both engines in the forked JVMs (default 1, as `signstream bench`
 *                             and the stream workers run them; 0: each engine's own default, TensorFlow one per
 *                             core); sets ai.djl.pytorch.num_threads and ai.djl.tensorflow.num_intraop_threads,
 *                             inter-op threads 1
 *   --quick                   smoke test: 1 warm-up and 1 measurement of 1 s everywhere (numbers not for reports)
 * </pre>
 */
public final class RunBenchmarks {

    /** The @Fork jvmArgsAppend of {@link MapsPerSecondBenchmark}: options given here replace the annotation's. */
    static final List<String> FORK_ARGS = List.of("-Dai.djl.offline=true", "-Xss4m", "-Xms1g", "-Xmx8g", "-XX:+AlwaysPreTouch");

    private RunBenchmarks() {
    }

    public static void main(String[] args) throws RunnerException, IOException {
        Path out = Path.of("jmh-results");
        List<String> engines = List.of("pytorch", "tensorflow");
        List<String> workloads = List.of("small_vgg/32", "digits_cnn/4", "digits_cnn/64", "digits_cnn/256");
        int igSteps = 50;
        int vggIgSteps = 0;
        int vggWarmups = 3;
        int vggMeasurements = 5;
        boolean vgg16 = true;
        boolean quick = false;
        int threads = 1; // both engines on one thread, as bench: TensorFlow's own default is one per core
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--out" -> out = Path.of(value(args, ++i, a));
                case "--engines" -> engines = split(value(args, ++i, a));
                case "--workloads" -> {
                    String w = value(args, ++i, a);
                    workloads = w.equals("none") ? List.of() : split(w);
                }
                case "--ig-steps" -> igSteps = Integer.parseInt(value(args, ++i, a));
                case "--vgg16-ig-steps" -> vggIgSteps = Integer.parseInt(value(args, ++i, a));
                case "--vgg16-iterations" -> {
                    List<String> wm = split(value(args, ++i, a));
                    vggWarmups = Integer.parseInt(wm.get(0));
                    vggMeasurements = Integer.parseInt(wm.get(1));
                }
                case "--no-vgg16" -> vgg16 = false;
                case "--quick" -> quick = true;
                case "--threads" -> threads = Integer.parseInt(value(args, ++i, a));
                default -> {
                    System.err.println("unknown option " + a + "; see the RunBenchmarks javadoc or benchmarks/README.md");
                    System.exit(2);
                }
            }
        }
        Files.createDirectories(out);

        List<String> methods = new ArrayList<>(List.of("forward"));
        for (String m : MapsPerSecondBenchmark.ORDER.subList(1, MapsPerSecondBenchmark.ORDER.size())) {
            String name = MapsPerSecondBenchmark.METHODS.get(m);
            if (MapsPerSecondBenchmark.spec(name, 50).isPresent()) {
                methods.add(m);
            } else {
                System.out.println("# skipping " + name + ": this engine build does not compute it yet"
                        + " (MethodNames.parse rejects the name); it is measured once the engine has it");
            }
        }

        List<String> jvmArgs = new ArrayList<>(FORK_ARGS);
        if (threads > 0) {
            jvmArgs.addAll(List.of("-Dai.djl.pytorch.num_threads=" + threads, "-Dai.djl.pytorch.num_interop_threads=1",
                    "-Dai.djl.tensorflow.num_intraop_threads=" + threads, "-Dai.djl.tensorflow.num_interop_threads=1"));
        }
        System.out.println("# forked JVMs get: " + String.join(" ", jvmArgs));
        if (System.getenv("MALLOC_MMAP_THRESHOLD_") == null) {
            // the forks inherit this environment, and glibc reads it only at start
            System.out.println("# warning: MALLOC_MMAP_THRESHOLD_ is not set, so the forks allocate every PyTorch"
                    + " temporary over 128 KiB with a fresh mmap, as the launcher avoids (README, \"Sizing a"
                    + " deployment\": a reverse pass 2x slower); set the launcher's MALLOC_* variables as"
                    + " benchmarks/README.md's run command does");
        }

        List<Path> results = new ArrayList<>();
        if (!workloads.isEmpty()) {
            Path json = out.resolve("fixtures.json");
            ChainedOptionsBuilder options = base(methods, json, jvmArgs).param("workload", workloads.toArray(String[]::new))
                    .param("engine", engines.toArray(String[]::new))
                    .param("igSteps", Integer.toString(igSteps));
            if (quick) {
                options = options.warmupIterations(1).warmupTime(TimeValue.seconds(1))
                        .measurementIterations(1).measurementTime(TimeValue.seconds(1));
            }
            run(options);
            results.add(json);
        }
        if (vgg16) {
            List<String> vggMethods = new ArrayList<>(methods);
            if (vggIgSteps <= 0) {
                vggMethods.remove("integratedGradients");
            }
            Path json = out.resolve("vgg16.json");
            run(base(vggMethods, json, jvmArgs).param("workload", "vgg16/4")
                    .param("engine", engines.toArray(String[]::new))
                    .param("igSteps", Integer.toString(vggIgSteps > 0 ? vggIgSteps : igSteps))
                    .warmupIterations(quick ? 1 : vggWarmups).warmupTime(TimeValue.seconds(1))
                    .measurementIterations(quick ? 1 : vggMeasurements).measurementTime(TimeValue.seconds(1)));
            results.add(json);
        }

        Map<RatioReport.Key, Map<String, RatioReport.Score>> scores = RatioReport.read(results);
        System.out.println();
        RatioReport.print(scores, System.out);
        try (PrintStream md = new PrintStream(Files.newOutputStream(out.resolve("ratios.md")), true,
                StandardCharsets.UTF_8)) {
            RatioReport.print(scores, md);
        }
        System.out.println();
        System.out.println("# JSON results: " + results.stream().map(Path::toString).collect(Collectors.joining(" "))
                + "; tables also in " + out.resolve("ratios.md"));
    }

    private static ChainedOptionsBuilder base(List<String> methods, Path json, List<String> jvmArgs) {
        String include = Pattern.quote(MapsPerSecondBenchmark.class.getName() + ".") + "("
                + String.join("|", methods) + ")$";
        return new OptionsBuilder().include(include).resultFormat(ResultFormatType.JSON).result(json.toString())
                .jvmArgsAppend(jvmArgs.toArray(String[]::new));
    }

    private static void run(ChainedOptionsBuilder options) throws RunnerException {
        new Runner(options.build()).run();
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            System.err.println(option + " needs a value");
            System.exit(2);
        }
        return args[i];
    }

    private static List<String> split(String csv) {
        return Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
