package io.signstream.engine.cli;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.Explainer;
import io.signstream.engine.api.MapAgreement;
import io.signstream.engine.api.RelevanceMap;
import io.signstream.engine.backend.DeviceChoice;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.npy.NpyArray;
import io.signstream.engine.npy.NpyFile;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** {@code signstream compare}: the same model, input and methods on both engines; prints the agreement. */
final class CompareCommand {

    private final PrintStream out;
    private final PrintStream err;

    CompareCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(String[] argv) throws CliArgs.UsageException, ExplainException {
        CliArgs args = CliArgs.parse(argv, List.of("model", "input", "target", "method", "param", "device"), List.of());
        Path model = Path.of(args.require("model"));
        NpyArray input = NpyFile.read(Path.of(args.require("input")));
        List<String> methods = CliMethods.split(args.require("method"));
        int[] targets = CliMethods.targets(args.get("target").orElse(null));
        DeviceChoice device = args.get("device").map(CliMethods::device).orElse(DeviceChoice.CPU);
        List<List<RelevanceMap>> perEngine = new ArrayList<>();
        for (EngineKind engine : EngineKind.values()) {
            List<RelevanceMap> maps = new ArrayList<>();
            try (Explainer explainer = Explainer.open(model, engine, device)) {
                for (String method : methods) {
                    maps.add(explainer.explain(input, targets, method, args.params()));
                }
            }
            perEngine.add(maps);
        }
        for (int i = 0; i < methods.size(); i++) {
            RelevanceMap a = perEngine.get(0).get(i);
            RelevanceMap b = perEngine.get(1).get(i);
            MapAgreement agreement = MapAgreement.of(a.map().data(), b.map().data());
            out.println(String.format(Locale.ROOT, "{\"method\": \"%s\", \"engines\": [\"%s\", \"%s\"], \"pearson_r\":"
                    + " %.7f, \"max_abs_diff\": %.3e, \"max_abs\": %.3e, \"seconds\": [%.4f, %.4f]}", methods.get(i),
                    a.engine().id(), b.engine().id(), agreement.pearson(), agreement.maxAbsDiff(),
                    agreement.maxAbsReference(), a.seconds(), b.seconds()));
        }
        return 0;
    }
}
