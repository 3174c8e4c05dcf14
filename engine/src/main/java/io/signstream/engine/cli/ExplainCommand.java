package io.signstream.engine.cli;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.Explainer;
import io.signstream.engine.api.RelevanceMap;
import io.signstream.engine.backend.DeviceChoice;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.npy.NpyArray;
import io.signstream.engine.npy.NpyFile;
import io.signstream.engine.viz.Visualizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** {@code signstream explain}: writes DIR/&lt;method&gt;.npy per method and one JSON line per map to stdout. */
final class ExplainCommand {

    private final PrintStream out;
    private final PrintStream err;

    ExplainCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(String[] argv) throws CliArgs.UsageException, ExplainException {
        CliArgs args = CliArgs.parse(argv,
                List.of("model", "input", "target", "method", "engine", "device", "param", "out", "layout"),
                List.of("png"));
        Path model = Path.of(args.require("model"));
        NpyArray input = NpyFile.read(Path.of(args.require("input")));
        List<String> methods = CliMethods.split(args.require("method"));
        Path outDir = Path.of(args.require("out"));
        int[] targets = CliMethods.targets(args.get("target").orElse(null));
        EngineKind engine = args.get("engine").map(CliMethods::engine).orElse(null);
        DeviceChoice device = args.get("device").map(CliMethods::device).orElse(DeviceChoice.CPU);
        try {
            Files.createDirectories(outDir);
        } catch (IOException e) {
            throw new ExplainException(ExplainException.Kind.BAD_INPUT, "cannot create output folder " + outDir
                    + ": " + e.getMessage());
        }
        try (Explainer explainer = Explainer.open(model, engine, device)) {
            for (String method : methods) {
                RelevanceMap r = explainer.explain(input, targets, method, args.params());
                Path file = outDir.resolve(method + ".npy");
                try {
                    NpyFile.write(file, r.map());
                } catch (IOException e) {
                    throw new ExplainException(ExplainException.Kind.BAD_INPUT, "cannot write " + file + ": "
                            + e.getMessage());
                }
                if (args.has("png")) {
                    writePng(input, r, outDir, explainer.channelsFirst());
                }
                out.println(jsonLine(r));
            }
        }
        return 0;
    }

    /** A heatmap overlay (images) or a relevance-coloured plot (1-D inputs) next to the .npy. */
    private void writePng(NpyArray input, RelevanceMap r, Path outDir, boolean channelsFirst)
            throws ExplainException {
        Path png = outDir.resolve(r.method() + ".png");
        NpyArray map = r.map();
        if (map.data().length != input.data().length) {
            // Grad-CAM without a modifier is single-channel: show it over the input, broadcast over channels.
            map = Broadcast.overChannels(map, input.shape(), channelsFirst);
        }
        try {
            Visualizer.writeOverlay(input, map, channelsFirst, png);
        } catch (IOException | RuntimeException e) {
            throw new ExplainException(ExplainException.Kind.BAD_INPUT, "cannot write " + png + ": " + e.getMessage());
        }
    }

    static String jsonLine(RelevanceMap r) {
        String target = r.targets().length == 1 ? Integer.toString(r.targets()[0])
                : java.util.Arrays.toString(r.targets());
        String logit = r.targetLogits().length == 1 ? Float.toString(r.targetLogits()[0])
                : java.util.Arrays.toString(r.targetLogits());
        return String.format(Locale.ROOT, "{\"method\": \"%s\", \"engine\": \"%s\", \"target\": %s, \"logit\": %s,"
                + " \"seconds\": %.6f}", r.method(), r.engine().id(), target, logit, r.seconds());
    }
}
