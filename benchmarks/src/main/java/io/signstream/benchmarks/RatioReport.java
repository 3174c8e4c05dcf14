package io.signstream.benchmarks;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads JMH JSON results of {@link MapsPerSecondBenchmark} ({@code -rf json -rff FILE}, one or more files) and
 * prints, per (model, engine, batch), each method's cost as a multiple of the forward pass of the same engine and
 * batch (map time / forward time) — the figure the DESIGN.md targets are written in (LRP ≤ 2.5, gradient ≤ 2.2 at
 * batch ≥ 4) — and the maps per second (batch / time per call).
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.signstream.benchmarks.RatioReport results.json [more.json...]
 * </pre>
 *
 * <p>Later files win when two files measured the same (benchmark, workload, engine). Output is Markdown.
 */
public final class RatioReport {

    /**
     * One measured call: mean seconds per call (JMH's score), the half-width of JMH's 99.9 % interval (NaN if
     * unknown), the fastest measurement iteration's mean (what is left after interference from other load) and the
     * median iteration's (robust to one slow iteration, which a mean of five is not).
     */
    record Score(double seconds, double errorSeconds, double bestSeconds, double medianSeconds, int igSteps) {

        double of(Statistic statistic) {
            return switch (statistic) {
                case MEAN -> seconds;
                case MEDIAN -> medianSeconds;
                case FASTEST -> bestSeconds;
            };
        }
    }

    /** Which iteration statistic a ratio table is computed from. */
    enum Statistic { MEAN, MEDIAN, FASTEST }

    /** (model, batch, engine) in report order. */
    record Key(String model, int batch, String engine) {
    }

    private static final Map<String, String> LABELS = Map.of(
            "forward", "forward",
            "gradient", "gradient",
            "integratedGradients", "integrated_gradients",
            "lrpEpsilon", "lrp_epsilon_0_1",
            "lrpsignEpsilon", "lrpsign_epsilon_0_1");

    private RatioReport() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            System.err.println("usage: RatioReport RESULT.json [RESULT.json...]   (JMH -rf json output)");
            System.exit(2);
        }
        List<Path> files = new ArrayList<>();
        for (String a : args) {
            files.add(Path.of(a));
        }
        print(read(files), System.out);
    }

    /** The scores of every file, keyed by (model, batch, engine) and then JMH benchmark method name. */
    public static Map<Key, Map<String, Score>> read(List<Path> files) throws IOException {
        Map<Key, Map<String, Score>> all = new TreeMap<>(Comparator.comparing(Key::model, RatioReport::modelOrder)
                .thenComparingInt(Key::batch).thenComparing(Key::engine));
        for (Path file : files) {
            JsonArray runs = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonArray();
            for (JsonElement e : runs) {
                JsonObject run = e.getAsJsonObject();
                String benchmark = run.get("benchmark").getAsString();
                if (!benchmark.contains("MapsPerSecondBenchmark.")) {
                    continue;
                }
                String method = benchmark.substring(benchmark.lastIndexOf('.') + 1);
                JsonObject params = run.getAsJsonObject("params");
                String workload = params.get("workload").getAsString();
                int igSteps = params.has("igSteps") ? params.get("igSteps").getAsInt() : 50;
                Key key = new Key(Workloads.model(workload), Workloads.batch(workload),
                        params.get("engine").getAsString());
                JsonObject metric = run.getAsJsonObject("primaryMetric");
                double score = metric.get("score").getAsDouble();
                double error = metric.has("scoreError") && !metric.get("scoreError").isJsonNull()
                        ? parseDouble(metric.get("scoreError")) : Double.NaN;
                String unit = metric.get("scoreUnit").getAsString();
                List<Double> iterations = new ArrayList<>();
                if (metric.has("rawData")) {
                    for (JsonElement fork : metric.getAsJsonArray("rawData")) {
                        for (JsonElement it : fork.getAsJsonArray()) {
                            iterations.add(toSeconds(parseDouble(it), 0, unit, igSteps).seconds());
                        }
                    }
                }
                Collections.sort(iterations);
                Score s = toSeconds(score, error, unit, igSteps);
                int n = iterations.size();
                double best = n == 0 ? s.seconds() : iterations.get(0);
                double median = n == 0 ? s.seconds()
                        : n % 2 == 1 ? iterations.get(n / 2) : (iterations.get(n / 2 - 1) + iterations.get(n / 2)) / 2;
                all.computeIfAbsent(key, k -> new LinkedHashMap<>())
                        .put(method, new Score(s.seconds(), s.errorSeconds(), best, median, igSteps));
            }
        }
        return all;
    }

    private static double parseDouble(JsonElement e) {
        try {
            return e.getAsDouble();
        } catch (NumberFormatException | UnsupportedOperationException ex) {
            return Double.NaN; // JMH writes "NaN" as a string when there is one measurement iteration
        }
    }

    /** Converts a JMH score to seconds per call, whether it is a time per operation or a throughput. */
    static Score toSeconds(double score, double error, String unit, int igSteps) {
        String[] parts = unit.split("/");
        if (parts.length != 2) {
            throw new IllegalArgumentException("unexpected JMH score unit " + unit);
        }
        if (parts[1].equals("op")) {
            double f = unitSeconds(parts[0]);
            return new Score(score * f, error * f, score * f, score * f, igSteps);
        }
        // throughput, ops per time unit: seconds per call = unit / score; error by first-order propagation
        double f = unitSeconds(parts[1]);
        return new Score(f / score, f * error / (score * score), f / score, f / score, igSteps);
    }

    private static double unitSeconds(String u) {
        return switch (u) {
            case "s" -> 1;
            case "ms" -> 1e-3;
            case "us", "\u00b5s" -> 1e-6;
            case "ns" -> 1e-9;
            case "min" -> 60;
            default -> throw new IllegalArgumentException("unexpected JMH time unit " + u);
        };
    }

    private static int modelOrder(String a, String b) {
        List<String> order = List.of("digits_cnn", "small_vgg", "vgg16");
        int ia = order.indexOf(a);
        int ib = order.indexOf(b);
        if (ia < 0 || ib < 0) {
            return ia != ib ? Integer.compare(ib, ia) : a.compareTo(b);
        }
        return Integer.compare(ia, ib);
    }

    /**
     * Prints the Markdown tables: cost in forward passes (by mean, median and fastest iteration), then times and
     * rates.
     */
    public static void print(Map<Key, Map<String, Score>> all, PrintStream out) {
        List<String> methods = MapsPerSecondBenchmark.ORDER;
        out.println("Cost of one call as a multiple of the forward pass (same engine, model and batch),"
                + " from JMH's mean time per call:");
        out.println();
        ratioTable(all, out, Statistic.MEAN);
        out.println();
        out.println("The same from each benchmark's median measurement iteration (one slow iteration, e.g. another"
                + " process taking a core, moves a mean of five but not the median):");
        out.println();
        ratioTable(all, out, Statistic.MEDIAN);
        out.println();
        out.println("The same from each benchmark's fastest measurement iteration (less sensitive to other load on"
                + " the machine):");
        out.println();
        ratioTable(all, out, Statistic.FASTEST);
        out.println();
        out.println("Time per call (ms, ± JMH 99.9 % half-width where there were ≥ 2 measurement iterations)"
                + " and maps per second (batch / time):");
        out.println();
        StringBuilder header = new StringBuilder("| model | batch | engine |");
        StringBuilder rule = new StringBuilder("|---|---:|---|");
        for (String m : methods) {
            header.append(' ').append(LABELS.get(m)).append(" |");
            rule.append("---:|");
        }
        out.println(header);
        out.println(rule);
        for (Map.Entry<Key, Map<String, Score>> e : all.entrySet()) {
            Key k = e.getKey();
            StringBuilder row = new StringBuilder("| " + k.model() + " | " + k.batch() + " | " + k.engine() + " |");
            for (String m : methods) {
                Score v = e.getValue().get(m);
                String cell = v == null ? "—"
                        : ms(v.seconds()) + (Double.isFinite(v.errorSeconds()) ? " ± " + ms(v.errorSeconds()) : "")
                                + " ms, " + rate(k.batch() / v.seconds()) + "/s";
                row.append(' ').append(cell).append(" |");
            }
            out.println(row);
        }
        out.println();
        out.println("— : not measured (method not available in this engine build, or excluded from the run).");
    }

    private static void ratioTable(Map<Key, Map<String, Score>> all, PrintStream out, Statistic statistic) {
        List<String> methods = MapsPerSecondBenchmark.ORDER;
        StringBuilder header = new StringBuilder("| model | batch | engine | forward ms/call |");
        StringBuilder rule = new StringBuilder("|---|---:|---|---:|");
        for (String m : methods.subList(1, methods.size())) {
            header.append(' ').append(LABELS.get(m)).append(" |");
            rule.append("---:|");
        }
        out.println(header);
        out.println(rule);
        for (Map.Entry<Key, Map<String, Score>> e : all.entrySet()) {
            Key k = e.getKey();
            Map<String, Score> s = e.getValue();
            Score fwd = s.get("forward");
            double f = fwd == null ? Double.NaN : fwd.of(statistic);
            StringBuilder row = new StringBuilder("| " + k.model() + " | " + k.batch() + " | " + k.engine() + " | "
                    + (fwd == null ? "—" : ms(f)) + " |");
            for (String m : methods.subList(1, methods.size())) {
                Score v = s.get(m);
                String cell;
                if (v == null || fwd == null) {
                    cell = "—";
                } else {
                    cell = String.format(Locale.ROOT, "%.2f×", v.of(statistic) / f);
                    if (m.equals("integratedGradients")) {
                        cell += " (" + v.igSteps() + " steps)";
                    }
                }
                row.append(' ').append(cell).append(" |");
            }
            out.println(row);
        }
    }

    private static String ms(double seconds) {
        double ms = seconds * 1e3;
        if (ms >= 100) {
            return String.format(Locale.ROOT, "%.0f", ms);
        }
        if (ms >= 1) {
            return String.format(Locale.ROOT, "%.2f", ms);
        }
        return String.format(Locale.ROOT, "%.3f", ms);
    }

    private static String rate(double perSecond) {
        if (perSecond >= 100) {
            return String.format(Locale.ROOT, "%.0f", perSecond);
        }
        return String.format(Locale.ROOT, "%.2f", perSecond);
    }
}
