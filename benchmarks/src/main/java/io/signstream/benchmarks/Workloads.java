package io.signstream.benchmarks;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.graph.ActivationKind;
import io.signstream.engine.graph.ConvSpec;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Node;
import io.signstream.engine.graph.PoolSpec;
import io.signstream.engine.graph.TensorLayout;
import io.signstream.engine.graph.Weights;
import io.signstream.engine.onnx.OnnxImporter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The models the benchmarks run and the batch each one is measured at.
 *
 * <p>A workload is written {@code model/batch}, e.g. {@code digits_cnn/256}. The two fixture models are the ONNX
 * files of {@code /work/shared/fixtures}, copied byte for byte into this module's resources; {@code vgg16} is
 * built here with seeded random weights (the ImageNet VGG16 architecture, 138 M parameters), since the
 * fixtures hold no model of that size.
 *
 * <pre>{@code
 * Graph g = Workloads.graph("small_vgg");
 * long[] shape = Workloads.batchShape(g, 32); // {32, 3, 32, 32}
 * }</pre>
 */
public final class Workloads {

    /** The seed of the VGG16 weights and of every input batch. */
    public static final long SEED = 20240611L;

    private Workloads() {
    }

    /** The model named by a workload {@code model/batch}. */
    public static String model(String workload) {
        int slash = workload.indexOf('/');
        if (slash <= 0 || slash == workload.length() - 1) {
            throw new IllegalArgumentException("workload '" + workload + "' is not written model/batch");
        }
        return workload.substring(0, slash);
    }

    /** The batch size of a workload {@code model/batch}. */
    public static int batch(String workload) {
        model(workload);
        int batch = Integer.parseInt(workload.substring(workload.indexOf('/') + 1));
        if (batch < 1) {
            throw new IllegalArgumentException("workload '" + workload + "' has batch < 1");
        }
        return batch;
    }

    /** The graph of a model: {@code small_vgg}, {@code digits_cnn} (ONNX resources) or {@code vgg16} (built). */
    public static Graph graph(String model) throws ExplainException {
        return switch (model) {
            case "small_vgg", "digits_cnn" -> OnnxImporter.read(resource(model + ".onnx"), model);
            case "vgg16" -> vgg16(SEED);
            default -> throw new IllegalArgumentException(
                    "unknown benchmark model '" + model + "'; use small_vgg, digits_cnn or vgg16");
        };
    }

    /** (batch, sample shape...). */
    public static long[] batchShape(Graph graph, int batch) {
        long[] sample = graph.sampleShape();
        long[] shape = new long[sample.length + 1];
        shape[0] = batch;
        System.arraycopy(sample, 0, shape, 1, sample.length);
        return shape;
    }

    /** A fixed input batch: standard-normal values from {@link #SEED} (what normalised images look like). */
    public static float[] input(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        SplittableRandom random = new SplittableRandom(SEED + 1);
        float[] x = new float[Math.toIntExact(n)];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }

    private static byte[] resource(String name) {
        try (InputStream in = Workloads.class.getResourceAsStream("/" + name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the benchmarks jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * VGG16 (configuration D of Simonyan and Zisserman): 13 convolutions 3×3, padding 1, in blocks
     * 64-64-M-128-128-M-256×3-M-512×3-M-512×3-M, each followed by ReLU; Flatten; Dense 25088→4096→4096→1000 with
     * ReLU between; input 3×224×224 (channels first, as every graph of the engine). He-uniform weights and small
     * uniform biases from {@code seed}, so activations neither vanish nor explode through the 16 layers.
     */
    public static Graph vgg16(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] plan = {64, 64, -1, 128, 128, -1, 256, 256, 256, -1, 512, 512, 512, -1, 512, 512, 512, -1};
        List<Node> nodes = new ArrayList<>();
        String last = "input";
        int channels = 3;
        int conv = 0;
        int pool = 0;
        for (int out : plan) {
            if (out < 0) {
                pool++;
                nodes.add(new Node("pool" + pool, new Layer.MaxPool(PoolSpec.square(2, 2)), last));
                last = "pool" + pool;
                continue;
            }
            conv++;
            Weights w = heUniform(random, new long[] {out, channels, 3, 3}, channels * 9);
            Weights b = smallBias(random, out);
            nodes.add(new Node("conv" + conv, new Layer.Conv(w, b, ConvSpec.simple(2, 1, 1)), last));
            nodes.add(new Node("relu" + conv, Layer.Activation.of(ActivationKind.RELU), "conv" + conv));
            last = "relu" + conv;
            channels = out;
        }
        nodes.add(new Node("flatten", new Layer.Flatten(1), last));
        last = "flatten";
        int[] dense = {4096, 4096, 1000};
        int in = channels * 7 * 7; // 25088
        for (int i = 0; i < dense.length; i++) {
            String name = "fc" + (i + 1);
            nodes.add(new Node(name, new Layer.Dense(heUniform(random, new long[] {dense[i], in}, in),
                    smallBias(random, dense[i])), last));
            last = name;
            if (i < dense.length - 1) {
                nodes.add(new Node("relu_fc" + (i + 1), Layer.Activation.of(ActivationKind.RELU), name));
                last = "relu_fc" + (i + 1);
            }
            in = dense[i];
        }
        return new Graph("vgg16", "input", new long[] {3, 224, 224}, TensorLayout.NCHW, nodes);
    }

    private static Weights heUniform(SplittableRandom random, long[] shape, int fanIn) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float limit = (float) Math.sqrt(6.0 / fanIn);
        float[] data = new float[Math.toIntExact(n)];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) ((random.nextDouble() * 2 - 1) * limit);
        }
        return new Weights(data, shape);
    }

    private static Weights smallBias(SplittableRandom random, int size) {
        float[] data = new float[size];
        for (int i = 0; i < size; i++) {
            data[i] = (float) ((random.nextDouble() * 2 - 1) * 0.01);
        }
        return new Weights(data, new long[] {size});
    }
}
