package io.signstream.engine.architectures;

import io.signstream.engine.npy.NpyArray;
import io.signstream.engine.npy.NpyFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The production-architecture test models of {@code src/test/resources/architectures} (issue 10): torchvision's own
 * classes at reduced width with random weights, exported by torch itself to ONNX and TorchScript, with float64
 * torch-autograd references, all made by {@code src/test/python/make_architectures.py} (see its docstring and
 * {@code manifest.json} for the kink margins of each input).
 */
final class Architectures {

    /** Every architecture, in the generator's order. */
    static final List<String> NAMES = List.of("resnet18", "densenet", "mobilenet_v2", "mobilenet_v3_small",
            "efficientnet_b0", "squeezenet1_1", "convnext", "vit");

    /** The exported formats, by file name. */
    static final List<String> FORMATS = List.of("model.onnx", "model.pt");

    /** The gradient-family references the generator writes for every model (Grad-CAM only for some). */
    static final List<String> METHODS = List.of("gradient", "gradient_x_input", "gradient_x_sign",
            "integrated_gradients", "grad_cam");

    private Architectures() {
    }

    static Path root() {
        Path fixtures = Path.of(System.getProperty("signstream.fixtures", "src/test/resources/fixtures"));
        return fixtures.getParent().resolve("architectures");
    }

    static Path file(String model, String name) {
        return root().resolve(model).resolve(name);
    }

    static boolean has(String model, String name) {
        return Files.isRegularFile(file(model, name));
    }

    static NpyArray npy(String model, String name) {
        try {
            return NpyFile.read(file(model, name));
        } catch (Exception e) {
            throw new IllegalStateException("cannot read " + file(model, name) + ": " + e.getMessage(), e);
        }
    }

    /**
     * The smallest distance between a point of the integrated-gradients path and a ReLU/ReLU6/max-pool kink that the
     * generator measured for this model's input ({@code manifest.json}, {@code ig_path_kink_margin}); +∞ when the
     * manifest has none.
     */
    static double igPathKinkMargin(String model) {
        try {
            com.google.gson.JsonObject entry = com.google.gson.JsonParser
                    .parseString(Files.readString(root().resolve("manifest.json")))
                    .getAsJsonObject().getAsJsonObject("models").getAsJsonObject(model);
            com.google.gson.JsonElement margin = entry == null ? null : entry.get("ig_path_kink_margin");
            return margin == null || margin.isJsonNull() ? Double.POSITIVE_INFINITY : margin.getAsDouble();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot read the architectures' manifest.json: " + e.getMessage(), e);
        }
    }

    static int argMax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            best = v[i] > v[best] ? i : best;
        }
        return best;
    }
}
