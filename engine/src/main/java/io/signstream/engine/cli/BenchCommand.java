package io.signstream.engine.cli;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.Explainer;
import io.signstream.engine.backend.DeviceChoice;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.method.MethodNames;
import io.signstream.engine.method.MethodParams;
import io.signstream.engine.npy.NpyArray;
import io.signstream.engine.npy.NpyFile;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code signstream bench}: how long the forward pass and each method take on one model, engine and batch, measured
 * in one process, so that a user can size a deployment. Prints one JSON line per method on stdout and a table on
 * stderr.
 *
 * <p>Each timed call is what a caller of {@link Explainer#explain} pays: the batch copied to the engine, the
 * computation, the map copied back. The forward pass is timed the same way ({@link Explainer#logits}), so the
 * ratio is the cost of a map in forward passes; the forward pass is timed in alternation with each method, so both
 * see the same load. Every measurement is preceded by a warm-up (the JIT and the
 * engines' lazy initialisation would otherwise count) and reports the median call, which a busy machine disturbs
 * less than the mean.
 */
final class BenchCommand {

    static final double DEFAULT_SECONDS = 3.0;
    static final double MAX_SECONDS = 600.0;
    static final int MAX_THREADS = 256;
    /** Fewer timed calls than this make the median meaningless, however slow a call is. */
    static final int MIN_CALLS = 3;

    private final PrintStream out;
    private final PrintStream err;

    BenchCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** One method's figures; the keys of the JSON line. */
    record Row(String model, String engine, String method, int batch, int threads, double forwardMs, double mapMs) {

        double ratio() {
            return mapMs / forwardMs;
        }

        double mapsPerSecond() {
            return batch / (mapMs / 1000.0);
        }

        String json() {
            return "{\"model\": " + CliJson.string(model) + ", \"engine\": " + CliJson.string(engine)
                    + ", \"method\": " + CliJson.string(method) + ", \"batch\": " + batch + ", \"threads\": " + threads
                    + ", \"forward_ms\": " + CliJson.number(forwardMs, "%.4f")
                    + ", \"map_ms\": " + CliJson.number(mapMs, "%.4f")
                    + ", \"ratio\": " + CliJson.number(ratio(), "%.3f")
                    + ", \"maps_per_s\": " + CliJson.number(mapsPerSecond(), "%.2f") + "}";
        }
    }

    int run(String[] argv) throws CliArgs.UsageException, ExplainException {
        CliArgs args = CliArgs.parse(argv, List.of("model", "input", "input-shape", "batch", "method", "engine",
                "threads", "seconds", "device", "param"), List.of());
        Path model = Path.of(args.require("model"));
        int batch = intOption(args.require("batch"), "batch", 1, Explainer.MAX_BATCH);
        List<String> methods = CliMethods.split(args.require("method"));
        for (String m : methods) {
            MethodNames.parse(m, MethodParams.of(args.params())); // an unknown name fails before any timing
        }
        EngineKind engine;
        try {
            engine = args.get("engine").map(CliMethods::engine).orElse(null);
        } catch (IllegalArgumentException e) {
            throw new CliArgs.UsageException(e.getMessage());
        }
        int threads = intOption(args.get("threads").orElse("1"), "threads", 1, MAX_THREADS);
        double seconds = secondsOption(args.get("seconds").orElse(Double.toString(DEFAULT_SECONDS)));
        DeviceChoice device = args.get("device").map(CliMethods::device).orElse(DeviceChoice.CPU);
        if (args.get("input").isPresent() == args.get("input-shape").isPresent()) {
            throw new CliArgs.UsageException("give exactly one of --input X.npy and --input-shape C,H,W");
        }
        NpyArray input = args.get("input").isPresent()
                ? BenchInput.tiled(NpyFile.read(Path.of(args.get("input").get())), batch)
                : BenchInput.random(BenchInput.parseShape(args.get("input-shape").get()), batch);
        io.signstream.engine.backend.Backends.setIntraOpThreads(threads);
        List<Row> rows = new ArrayList<>();
        try (Explainer explainer = Explainer.open(model, engine, device)) {
            String engineId = explainer.engine().id();
            String name = model.getFileName().toString();
            for (String method : methods) {
                Map<String, String> params = args.params();
                double[] ms = pairedMedianMs(() -> explainer.logits(input),
                        () -> explainer.explain(input, null, method, params), seconds);
                Row row = new Row(name, engineId, method, batch, threads, ms[0], ms[1]);
                rows.add(row);
                out.println(row.json());
                out.flush();
            }
            err.printf(Locale.ROOT, "bench: %s on %s (%s), batch %d, %d thread(s), %.1f s per measurement, %s%n",
                    name, engineId, explainer.device(), batch, threads, seconds, kernels(explainer.engine()));
            printTable(rows);
        }
        return 0;
    }

    /**
     * Which native kernels the figures come from: the same build measured 1.1–1.6× apart with libtorch's oneDNN capped
     * at AVX and not (README, "Correct numbers on every CPU"), so a figure without it cannot be compared.
     */
    static String kernels(EngineKind engine) {
        return engine == EngineKind.TENSORFLOW
                ? "TF_ENABLE_ONEDNN_OPTS=" + System.getenv().getOrDefault("TF_ENABLE_ONEDNN_OPTS", "(unset)")
                : "ONEDNN_MAX_CPU_ISA=" + System.getenv().getOrDefault("ONEDNN_MAX_CPU_ISA", "(unset: all kernels)");
    }

    /** A call to time; its result is discarded (it is already copied back to Java memory). */
    @FunctionalInterface
    interface Call {
        Object run() throws ExplainException;
    }

    /**
     * The forward pass and a method timed in alternation: warm-up for a third of the time (at least one pair), then
     * {@code {median forward ms, median map ms}} of the pairs made in {@code seconds}. Alternating makes the ratio
     * robust to a machine whose load changes during the run: timed one after the other, the forward pass and a
     * method ran minutes apart under different load, and ratios came out 2× off (2026-12-02, 2 cores shared with
     * other builds).
     */
    static double[] pairedMedianMs(Call forward, Call map, double seconds) throws ExplainException {
        long warmEnd = System.nanoTime() + (long) (seconds / 3 * 1e9);
        do {
            forward.run();
            map.run();
        } while (System.nanoTime() < warmEnd);
        List<Long> forwardTimes = new ArrayList<>();
        List<Long> mapTimes = new ArrayList<>();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (mapTimes.size() < MIN_CALLS || System.nanoTime() < end) {
            long t = System.nanoTime();
            forward.run();
            long u = System.nanoTime();
            map.run();
            mapTimes.add(System.nanoTime() - u);
            forwardTimes.add(u - t);
        }
        return new double[] {median(forwardTimes) / 1e6, median(mapTimes) / 1e6};
    }

    private static double median(List<Long> times) {
        List<Long> sorted = new ArrayList<>(times);
        sorted.sort(null);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2.0;
    }

    private void printTable(List<Row> rows) {
        if (rows.isEmpty()) {
            return;
        }
        Row first = rows.get(0);
        // each method's ratio is to the forward passes timed alongside it; the line shows the first method's
        err.printf(Locale.ROOT, "%-28s %12s %10s %12s%n", "method", "ms/call", "x forward", "maps/s");
        err.printf(Locale.ROOT, "%-28s %12.3f %10s %12.1f%n", "(forward)", first.forwardMs(), "1.00",
                first.batch() / (first.forwardMs() / 1000.0));
        for (Row r : rows) {
            err.printf(Locale.ROOT, "%-28s %12.3f %10.2f %12.1f%n", r.method(), r.mapMs(), r.ratio(),
                    r.mapsPerSecond());
        }
    }

    static int intOption(String text, String name, int min, int max) throws CliArgs.UsageException {
        try {
            int v = Integer.parseInt(text.trim());
            if (v < min || v > max) {
                throw new CliArgs.UsageException("--" + name + " must be between " + min + " and " + max + ", got "
                        + v);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new CliArgs.UsageException("--" + name + " wants a whole number, got '" + text + "'");
        }
    }

    static double secondsOption(String text) throws CliArgs.UsageException {
        double v;
        try {
            v = Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
            throw new CliArgs.UsageException("--seconds wants a number, got '" + text + "'");
        }
        if (!(v > 0 && v <= MAX_SECONDS)) {
            throw new CliArgs.UsageException("--seconds must be above 0 and at most " + MAX_SECONDS + ", got " + text);
        }
        return v;
    }
}
