package io.signstream.engine.cli;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import io.signstream.engine.api.Explainer;
import io.signstream.engine.api.MapAgreement;
import io.signstream.engine.api.ModelFormat;
import io.signstream.engine.api.RelevanceMap;
import io.signstream.engine.backend.DeviceChoice;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.npy.NpyArray;
import io.signstream.engine.npy.NpyFile;
import io.signstream.engine.onnx.OnnxMetadata;
import io.signstream.engine.viz.Visualizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code signstream compare}: the relevance maps of one input from several (model, engine) pairs, each compared
 * with the first pair, per method.
 *
 * <pre>
 * signstream compare --model m.onnx --input x.npy --method gradient                 # m.onnx on both engines
 * signstream compare --model m.pt --model m.onnx --input x.npy --method gradient,lrp_epsilon_0_1 \
 *                    [--engine pytorch] [--figure cmp.png]                          # a model and its export
 * </pre>
 *
 * <p>{@code --model} and {@code --engine} repeat or take comma lists (a path with a comma must name an existing
 * file); the pairs are every model on every engine (default: both engines), in the order given, and every pair
 * after the first is compared with the first. The comparison is on the signed maps as computed, every channel
 * (Pearson r and max abs difference over all elements; no absolute values, no channel aggregation), since an
 * averaged map can hide a sign error. One JSON line per method and compared pair:
 *
 * <pre>
 * {"method": "gradient", "engines": ["pytorch", "tensorflow"], "models": ["m.pt", "m.onnx"],
 *  "layouts": ["NCHW", "NCHW"], "compared_in": "NCHW", "transposed": false, "target": 3, "pearson_r": 1.0000000,
 *  "max_abs_diff": 0.000e+00, "max_abs": 1.234e-01, "seconds": [0.0123, 0.0101]}
 * </pre>
 *
 * <p>Targets: {@code --target}, or else the first pair's arg-max class for every pair, so that all maps explain
 * the same class. Layouts: {@code --input} is in the first model's layout. A model whose layout differs
 * (channels-last Keras against channels-first ONNX or PyTorch) gets the input transposed to its layout, and its
 * maps are transposed back before comparing; {@code layouts}, {@code compared_in} and {@code transposed} say what
 * happened. A model's layout is what {@code --layout} says (one value for all models, or one per model), else
 * what an ONNX file records under {@link OnnxMetadata#LAYOUT_KEY}, else what its importer reports.
 *
 * <p>{@code --figure FILE.png} draws, per method, the input, each pair's map and the absolute difference of each
 * to the first ({@link Visualizer#writeComparison}); image inputs only. With several methods the method name is
 * added to the file name ({@code cmp_gradient.png}).
 */
final class CompareCommand {

    /** Options that may repeat (their values are collected here instead of by {@link CliArgs}). */
    private static final List<String> REPEATABLE = List.of("model", "engine", "layout");

    private final PrintStream out;
    private final PrintStream err;

    CompareCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** One (model, engine) pair and its maps, already in the first model's layout. */
    private record Pair(String model, EngineKind engine, boolean channelsFirst, List<RelevanceMap> maps) {
    }

    int run(String[] argv) throws CliArgs.UsageException, ExplainException {
        Map<String, List<String>> repeated = new LinkedHashMap<>();
        String[] rest = extractRepeated(argv, repeated);
        CliArgs args = CliArgs.parse(rest, List.of("model", "input", "target", "method", "param", "device", "engine",
                "layout", "figure"), List.of());
        List<String> models = models(repeated.getOrDefault("model", List.of()));
        if (models.isEmpty()) {
            throw new CliArgs.UsageException("missing --model");
        }
        List<EngineKind> engines = engines(repeated.getOrDefault("engine", List.of()));
        List<String> layouts = split(repeated.getOrDefault("layout", List.of()));
        if (layouts.size() > 1 && layouts.size() != models.size()) {
            throw new CliArgs.UsageException("--layout gives " + layouts.size() + " layouts for " + models.size()
                    + " models (give one for all, or one per model)");
        }
        for (String l : layouts) {
            MapLayouts.channelsFirst(l); // a typo is a usage error before any work
        }
        if (models.size() * engines.size() < 2) {
            throw new CliArgs.UsageException("nothing to compare: give two models, or one model and two engines");
        }
        NpyArray input = NpyFile.read(Path.of(args.require("input")));
        List<String> methods = CliMethods.split(args.require("method"));
        int[] targets = CliMethods.targets(args.get("target").orElse(null));
        DeviceChoice device;
        try {
            device = args.get("device").map(CliMethods::device).orElse(DeviceChoice.CPU);
        } catch (IllegalArgumentException e) {
            throw new CliArgs.UsageException(e.getMessage());
        }
        Path figure = args.get("figure").map(Path::of).orElse(null);
        if (figure != null && input.rank() != 4) {
            throw new ExplainException(Kind.BAD_INPUT, "--figure draws image inputs, (N, C, H, W) or (N, H, W, C);"
                    + " the input has shape " + Arrays.toString(input.shape()));
        }

        List<Pair> pairs = new ArrayList<>();
        int[][] methodTargets = new int[methods.size()][];
        Boolean referenceFirst = null;
        for (int i = 0; i < models.size(); i++) {
            Path model = Path.of(models.get(i));
            Boolean modelFirst = null;
            for (EngineKind engine : engines) {
                try (Explainer explainer = Explainer.open(model, engine, device)) {
                    if (modelFirst == null) {
                        modelFirst = channelsFirst(model, explainer, layouts.isEmpty() ? null
                                : layouts.get(layouts.size() == 1 ? 0 : i));
                    }
                    if (referenceFirst == null) {
                        referenceFirst = modelFirst;
                    }
                    NpyArray x = MapLayouts.convert(input, referenceFirst, modelFirst);
                    List<RelevanceMap> maps = new ArrayList<>();
                    for (int k = 0; k < methods.size(); k++) {
                        int[] t = targets != null ? targets : methodTargets[k];
                        RelevanceMap r = explainer.explain(x, t, methods.get(k), args.params());
                        if (methodTargets[k] == null) {
                            methodTargets[k] = r.targets();
                        }
                        maps.add(new RelevanceMap(r.method(), r.engine(), r.device(),
                                MapLayouts.convert(r.map(), modelFirst, referenceFirst), r.targets(),
                                r.targetLogits(), r.seconds()));
                    }
                    pairs.add(new Pair(models.get(i), engine, modelFirst, maps));
                }
            }
        }

        int rank = input.rank();
        String comparedIn = MapLayouts.name(referenceFirst, rank);
        Pair ref = pairs.get(0);
        for (int k = 0; k < methods.size(); k++) {
            String figureField = "";
            if (figure != null) {
                Path png = figurePath(figure, methods.get(k), methods.size());
                writeFigure(input, pairs, k, referenceFirst, models.size() > 1, engines.size() > 1, png);
                figureField = ", \"figure\": " + CliJson.string(png.toString());
            }
            for (int j = 1; j < pairs.size(); j++) {
                Pair other = pairs.get(j);
                RelevanceMap a = ref.maps().get(k);
                RelevanceMap b = other.maps().get(k);
                MapAgreement agreement = agreement(a, b, ref, other);
                out.println(String.format(Locale.ROOT, "{\"method\": %s, \"engines\": [\"%s\", \"%s\"],"
                        + " \"models\": [%s, %s], \"layouts\": [\"%s\", \"%s\"], \"compared_in\": \"%s\","
                        + " \"transposed\": %b, \"target\": %s, \"pearson_r\": %s, \"max_abs_diff\": %s,"
                        + " \"max_abs\": %s, \"seconds\": [%.4f, %.4f]%s}",
                        CliJson.string(methods.get(k)), a.engine().id(), b.engine().id(), CliJson.string(ref.model()),
                        CliJson.string(other.model()), MapLayouts.name(ref.channelsFirst(), rank),
                        MapLayouts.name(other.channelsFirst(), rank), comparedIn,
                        other.channelsFirst() != ref.channelsFirst() && rank > 2, targetsJson(a.targets()),
                        CliJson.number(agreement.pearson(), "%.7f"), CliJson.number(agreement.maxAbsDiff(), "%.3e"),
                        CliJson.number(agreement.maxAbsReference(), "%.3e"), a.seconds(), b.seconds(), figureField));
            }
        }
        return 0;
    }

    /** The layout of a model: {@code --layout}, else the ONNX file's own record, else the importer's view. */
    private static boolean channelsFirst(Path model, Explainer explainer, String layoutArg)
            throws CliArgs.UsageException, ExplainException {
        if (layoutArg != null) {
            return MapLayouts.channelsFirst(layoutArg);
        }
        if (ModelFormat.of(model) == ModelFormat.ONNX) {
            // The importer assumes channels-first for every ONNX file; an export of a Keras model says otherwise.
            return OnnxMetadata.layout(model).map(l -> !l.channelsLast()).orElse(explainer.channelsFirst());
        }
        return explainer.channelsFirst();
    }

    private static MapAgreement agreement(RelevanceMap a, RelevanceMap b, Pair ref, Pair other)
            throws ExplainException {
        if (!Arrays.equals(a.map().shape(), b.map().shape())) {
            throw new ExplainException(Kind.BAD_INPUT, a.method() + ": the map of " + ref.model() + " on "
                    + ref.engine().id() + " has shape " + Arrays.toString(a.map().shape()) + ", the map of "
                    + other.model() + " on " + other.engine().id() + " " + Arrays.toString(b.map().shape())
                    + " (in " + MapLayouts.name(ref.channelsFirst(), a.map().rank()) + "); are they the same network?");
        }
        return MapAgreement.of(a.map().data(), b.map().data());
    }

    private void writeFigure(NpyArray input, List<Pair> pairs, int method, boolean channelsFirst,
            boolean byModel, boolean byEngine, Path png) throws ExplainException {
        List<String> labels = new ArrayList<>();
        List<NpyArray> maps = new ArrayList<>();
        for (Pair p : pairs) {
            String file = Path.of(p.model()).getFileName().toString();
            labels.add(byModel && byEngine ? file + " " + p.engine().id() : byModel ? file : p.engine().id());
            maps.add(imageMap(input, p.maps().get(method).map(), channelsFirst));
        }
        try {
            Path parent = png.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Visualizer.writeComparison(input, labels, maps, channelsFirst, png);
        } catch (IOException | RuntimeException e) {
            throw new ExplainException(Kind.BAD_INPUT, "cannot write " + png + ": " + e.getMessage(), e);
        }
    }

    /** A single-channel map (Grad-CAM) as (N, H, W), which the figure takes; others as they are. */
    private static NpyArray imageMap(NpyArray input, NpyArray map, boolean channelsFirst) {
        long[] s = input.shape();
        long c = channelsFirst ? s[1] : s[3];
        if (map.data().length != input.data().length && map.data().length * c == input.data().length) {
            long h = channelsFirst ? s[2] : s[1];
            long w = channelsFirst ? s[3] : s[2];
            return new NpyArray(map.data(), new long[] {s[0], h, w});
        }
        return map;
    }

    /** {@code cmp.png}, or {@code cmp_<method>.png} when there are several methods. */
    private static Path figurePath(Path figure, String method, int methods) {
        if (methods == 1) {
            return figure;
        }
        String name = figure.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String file = dot > 0 ? name.substring(0, dot) + "_" + method + name.substring(dot) : name + "_" + method;
        return figure.resolveSibling(file);
    }

    /**
     * Takes {@code --model}, {@code --engine} and {@code --layout} (which may repeat) out of the arguments;
     * {@link CliArgs} keeps one value per option.
     */
    static String[] extractRepeated(String[] argv, Map<String, List<String>> into) throws CliArgs.UsageException {
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < argv.length; i++) {
            String arg = argv[i];
            String name = null;
            String value = null;
            for (String r : REPEATABLE) {
                if (arg.equals("--" + r)) {
                    if (i + 1 >= argv.length) {
                        throw new CliArgs.UsageException("--" + r + " needs a value");
                    }
                    name = r;
                    value = argv[++i];
                } else if (arg.startsWith("--" + r + "=")) {
                    name = r;
                    value = arg.substring(r.length() + 3);
                }
            }
            if (name == null) {
                rest.add(arg);
            } else {
                into.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            }
        }
        return rest.toArray(String[]::new);
    }

    /** Model paths: each value is a path, or a comma list of paths unless it names an existing file as a whole. */
    private static List<String> models(List<String> values) {
        List<String> models = new ArrayList<>();
        for (String v : values) {
            if (isFile(v)) {
                models.add(v);
            } else {
                models.addAll(split(List.of(v)));
            }
        }
        return models;
    }

    private static List<EngineKind> engines(List<String> values) throws CliArgs.UsageException {
        if (values.isEmpty()) {
            return List.of(EngineKind.values());
        }
        Set<EngineKind> engines = new LinkedHashSet<>();
        for (String v : split(values)) {
            try {
                engines.add(EngineKind.parse(v));
            } catch (IllegalArgumentException e) {
                throw new CliArgs.UsageException(e.getMessage());
            }
        }
        return List.copyOf(engines);
    }

    private static List<String> split(List<String> values) {
        List<String> out = new ArrayList<>();
        for (String v : values) {
            Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).forEach(out::add);
        }
        return out;
    }

    private static boolean isFile(String path) {
        try {
            return Files.isRegularFile(Path.of(path));
        } catch (InvalidPathException e) {
            return false;
        }
    }

    private static String targetsJson(int[] targets) {
        return targets.length == 1 ? Integer.toString(targets[0]) : Arrays.toString(targets);
    }
}
