package io.signstream.engine.cli;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import io.signstream.engine.api.Explainer;
import io.signstream.engine.api.ModelFormat;
import io.signstream.engine.backend.Backend;
import io.signstream.engine.backend.Backends;
import io.signstream.engine.backend.DeviceChoice;
import io.signstream.engine.exec.BoundGraph;
import io.signstream.engine.exec.ForwardPass;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.TensorLayout;
import io.signstream.engine.npy.NpyArray;
import io.signstream.engine.npy.NpyFile;
import io.signstream.engine.onnx.OnnxExporter;
import io.signstream.engine.onnx.OnnxImporter;
import io.signstream.engine.onnx.OnnxMetadata;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Collectors;

/**
 * {@code signstream convert --model IN --to onnx --out FILE}: any model SignStream opens (ONNX, TorchScript, and
 * whatever else {@link Explainer} learns to read) written as ONNX through {@link OnnxExporter}.
 *
 * <p>TorchScript files store no input shape, so they need {@code --input X.npy} (its shape without the batch axis
 * is used) or {@code --shape C,H,W}. The written file is read back at once and must give the same logits as the
 * model it came from, on {@code --input} or on a seeded random sample: a conversion that would not explain the
 * same way is an error (and its file is removed), never a silent success. One JSON line says what was written:
 *
 * <pre>
 * {"wrote": "digits_cnn.onnx", "format": "onnx", "opset": 13, "nodes": 9, "input": "input",
 *  "input_shape": ["N", 1, 16, 16], "input_layout": "NCHW", "input_transposed": false, "output": "logits",
 *  "output_shape": ["N", 10], "bytes": 76123, "from": "digits_cnn.pt", "logits_max_abs_diff": 0.0}
 * </pre>
 *
 * <p>{@code --channels-first} gives a channels-last (Keras) model a channels-first ONNX input with a Transpose in
 * front; by default the ONNX model takes the same arrays as the original.
 */
final class ConvertCommand {

    /** The formats {@code --to} accepts. */
    static final List<String> FORMATS = List.of("onnx");

    /** The read-back check: the same graph on the same engine, so anything beyond float noise is a defect. */
    private static final double CHECK_TOLERANCE = 1e-5;

    private final PrintStream out;

    ConvertCommand(PrintStream out) {
        this.out = out;
    }

    int run(String[] argv) throws CliArgs.UsageException, ExplainException {
        CliArgs args = CliArgs.parse(argv, List.of("model", "to", "out", "input", "shape"), List.of("channels-first"));
        Path model = Path.of(args.require("model"));
        String to = args.require("to").trim().toLowerCase(Locale.ROOT);
        Path target = Path.of(args.require("out"));
        if (!FORMATS.contains(to)) {
            throw new ExplainException(Kind.BAD_INPUT, "unknown --to format '" + args.require("to")
                    + "' (supported: " + String.join(", ", FORMATS) + ")");
        }
        if (args.get("input").isPresent() && args.get("shape").isPresent()) {
            throw new CliArgs.UsageException("give --input or --shape, not both");
        }
        NpyArray input = args.get("input").isPresent() ? NpyFile.read(Path.of(args.require("input"))) : null;
        long[] sample = input != null ? input.sampleShape() : args.get("shape").map(ConvertCommand::shape)
                .orElse(null);
        if (args.get("shape").isPresent() && sample == null) {
            throw new ExplainException(Kind.BAD_SHAPE, "--shape wants the positive sizes of one sample, comma-separated"
                    + " without the batch axis (e.g. 1,16,16), got '" + args.require("shape") + "'");
        }
        if (Files.isRegularFile(model) && Files.exists(target) && sameFile(model, target)) {
            throw new ExplainException(Kind.BAD_INPUT, "--out " + target + " is the model file itself");
        }
        try (Explainer source = Explainer.open(model, null, DeviceChoice.CPU)) {
            if (sample == null && ModelFormat.of(model) == ModelFormat.TORCHSCRIPT) {
                throw new ExplainException(Kind.BAD_SHAPE, "TorchScript model " + model.getFileName()
                        + " does not store its input shape: give --input X.npy or --shape C,H,W (one sample)");
            }
            Graph graph = recordedLayout(model, source.graph(sample));
            if (sample != null && !Arrays.equals(sample, graph.sampleShape())) {
                throw new ExplainException(Kind.BAD_SHAPE, "model " + graph.name() + " takes samples of shape "
                        + Arrays.toString(graph.sampleShape()) + ", not " + Arrays.toString(sample));
            }
            OnnxExporter.Exported written = OnnxExporter.write(graph, target,
                    new OnnxExporter.Options(args.has("channels-first")));
            double diff = check(source, target, written, input != null ? input : probe(graph.sampleShape()));
            out.println(String.format(Locale.ROOT, "{\"wrote\": %s, \"format\": \"%s\", \"opset\": %d, \"nodes\": %d,"
                    + " \"input\": %s, \"input_shape\": %s, \"input_layout\": \"%s\", \"input_transposed\": %b,"
                    + " \"output\": \"%s\", \"output_shape\": %s, \"bytes\": %d, \"from\": %s,"
                    + " \"logits_max_abs_diff\": %s}",
                    CliJson.string(target.toString()), to, OnnxExporter.OPSET, written.nodes(),
                    CliJson.string(written.inputName()), shapeJson(written.inputShape()), written.inputLayout(),
                    written.inputTransposed(), OnnxExporter.OUTPUT_NAME, shapeJson(written.outputShape()),
                    written.bytes().length, CliJson.string(model.toString()), CliJson.number(diff, "%.3e")));
        }
        return 0;
    }

    /**
     * The graph with the input layout an ONNX file records ({@link OnnxMetadata}) where the importer, which takes
     * every ONNX input for channels-first, assumed otherwise: re-converting a channels-last export must keep saying
     * channels-last (and {@code --channels-first} must still apply to it).
     */
    private static Graph recordedLayout(Path model, Graph graph) throws ExplainException {
        if (ModelFormat.of(model) != ModelFormat.ONNX) {
            return graph;
        }
        TensorLayout recorded = OnnxMetadata.layout(model).orElse(graph.layout());
        if (recorded == graph.layout() || TensorLayout.channelsFirstForRank(graph.sampleShape().length + 1)
                != graph.layout() || !sameRank(recorded, graph.sampleShape().length + 1)) {
            return graph;
        }
        return new Graph(graph.name(), graph.inputName(), graph.sampleShape(), recorded, graph.nodes());
    }

    private static boolean sameRank(TensorLayout layout, int rank) {
        return switch (layout) {
            case NCHW, NHWC -> rank == 4;
            case NCT, NTC -> rank == 3;
            case NC -> rank == 2;
        };
    }

    /**
     * Reads the written file back and compares its logits with the source model's on the same engine.
     *
     * @return the largest absolute logit difference
     */
    private static double check(Explainer source, Path written, OnnxExporter.Exported e, NpyArray probe)
            throws ExplainException {
        float[] expected = source.logits(probe).data();
        NpyArray fed = e.inputTransposed() ? MapLayouts.convert(probe, false, true) : probe;
        float[] actual;
        // Read back with the ONNX importer itself rather than Explainer.open, which goes by the file extension:
        // --out need not end in .onnx.
        try (Backend backend = Backends.open(source.engine(), DeviceChoice.CPU);
                BoundGraph model = new BoundGraph(OnnxImporter.read(written), backend);
                NDManager m = backend.newManager()) {
            actual = ForwardPass.logits(model, m.create(fed.data(), new Shape(fed.shape()))).toFloatArray();
        } catch (ExplainException ex) {
            delete(written);
            throw new ExplainException(ex.kind(), "the written ONNX model cannot be read back: " + ex.getMessage(), ex);
        } catch (RuntimeException ex) {
            delete(written);
            throw new ExplainException(Kind.COMPUTE_FAILED, "the written ONNX model cannot be run: "
                    + ex.getClass().getSimpleName() + ": " + ex.getMessage(), ex);
        }
        double diff = 0;
        double scale = 1;
        for (int i = 0; i < expected.length; i++) {
            diff = Math.max(diff, Math.abs((double) expected[i] - actual[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        if (!(diff <= CHECK_TOLERANCE * scale) || expected.length != actual.length) {
            delete(written);
            throw new ExplainException(Kind.COMPUTE_FAILED, String.format(Locale.ROOT, "the written ONNX model gives"
                    + " other logits than %s (max abs diff %.3e); the file was removed", source.modelFile(), diff));
        }
        return diff;
    }

    /** A seeded standard-normal sample: any input exercises every weight, and the check must be repeatable. */
    private static NpyArray probe(long[] sample) {
        long[] shape = new long[sample.length + 1];
        shape[0] = 1;
        System.arraycopy(sample, 0, shape, 1, sample.length);
        int n = (int) Arrays.stream(sample).reduce(1, (a, b) -> a * b);
        Random r = new Random(20240607L);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return new NpyArray(v, shape);
    }

    /** "1,16,16" → {1, 16, 16}; null when it is not a list of positive integers. */
    static long[] shape(String text) {
        try {
            long[] s = Arrays.stream(text.replaceAll("[()\\[\\]\\s]", "").split(",")).filter(t -> !t.isEmpty())
                    .mapToLong(Long::parseLong).toArray();
            return s.length == 0 || Arrays.stream(s).anyMatch(d -> d < 1) ? null : s;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String shapeJson(long[] shape) {
        return Arrays.stream(shape).mapToObj(d -> d < 0 ? "\"" + OnnxExporter.BATCH_DIM + "\"" : Long.toString(d))
                .collect(Collectors.joining(", ", "[", "]"));
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    private static void delete(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // the reported error is the conversion's, not the clean-up's
        }
    }
}
