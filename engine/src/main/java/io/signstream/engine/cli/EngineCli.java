package io.signstream.engine.cli;

import io.signstream.engine.api.ExplainException;
import java.io.PrintStream;
import java.util.Map;

/**
 * The engine's commands of the {@code signstream} command line: {@code explain}, {@code compare},
 * {@code convert}, {@code methods}, {@code bench}. Exit codes: 0 success, 1 an input or model problem (one-line reason),
 * 2 a usage error.
 *
 * <pre>
 * ./signstream explain --model m.onnx --input x.npy --method gradient,lrp_epsilon_0_1 --out maps/
 * ./signstream convert --model m.pt --input x.npy --to onnx --out m.onnx
 * ./signstream compare --model m.pt --model m.onnx --input x.npy --method gradient --figure cmp.png
 * ./signstream bench --model m.onnx --input-shape 3,32,32 --batch 32 --method gradient,lrp_epsilon_0_1
 * </pre>
 */
public final class EngineCli {

    static final Map<String, String> USAGE = Map.of(
            "explain", "explain --model PATH --input X.npy [--target N] --method M1[,M2,...] [--engine pytorch|tensorflow]"
                    + " [--device cpu|auto|gpu] [--param k=v ...] --out DIR",
            "compare", "compare --model PATH [--model PATH ...] --input X.npy --method M1[,M2,...]"
                    + " [--engine pytorch|tensorflow ...] [--layout L ...] [--target N] [--param k=v ...]"
                    + " [--device cpu|auto|gpu] [--figure FILE.png]",
            "convert", "convert --model PATH --to onnx --out FILE [--input X.npy | --shape C,H,W] [--channels-first]",
            "methods", "methods",
            "bench", "bench --model PATH (--input X.npy | --input-shape C,H,W) --batch N --method M1[,M2,...]"
                    + " [--engine pytorch|tensorflow] [--threads T] [--seconds S] [--device cpu|auto|gpu]"
                    + " [--param k=v ...]");

    private EngineCli() {
    }

    /** The engine's command names. */
    public static java.util.List<String> commands() {
        return java.util.List.of("explain", "compare", "convert", "methods", "bench");
    }

    /** The usage line of one command (without the program name). */
    public static String usage(String command) {
        return USAGE.get(command);
    }

    public static boolean handles(String command) {
        return USAGE.containsKey(command);
    }

    /** Runs a command and returns the process exit code (never calls System.exit). */
    public static int run(String command, String[] args, PrintStream out, PrintStream err) {
        try {
            switch (command) {
                case "explain":
                    return new ExplainCommand(out, err).run(args);
                case "compare":
                    return new CompareCommand(out, err).run(args);
                case "convert":
                    return new ConvertCommand(out).run(args);
                case "methods":
                    return new MethodsCommand(out).run();
                case "bench":
                    return new BenchCommand(out, err).run(args);
                default:
                    err.println("error: unknown command '" + command + "'");
                    return 2;
            }
        } catch (CliArgs.UsageException e) {
            err.println("error: " + e.getMessage());
            err.println("usage: signstream " + USAGE.get(command));
            return 2;
        } catch (ExplainException e) {
            err.println("error: " + e.getMessage());
            return 1;
        }
    }

    public static void main(String[] args) {
        if (args.length == 0 || !handles(args[0])) {
            System.err.println("usage: signstream " + String.join("\n       signstream ", USAGE.values()));
            System.exit(2);
        }
        String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
        System.exit(run(args[0], rest, System.out, System.err));
    }
}
