package io.signstream.engine.savedmodel;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.tensorflow.engine.TfSyncContext;
import ai.djl.training.ParameterStore;
import io.signstream.engine.backend.TensorFlowNatives;
import io.signstream.engine.npy.NpyArray;
import io.signstream.engine.testing.Fixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.tensorflow.proto.framework.DataType;
import org.tensorflow.proto.framework.MetaGraphDef;
import org.tensorflow.proto.framework.SavedModel;
import org.tensorflow.proto.framework.SignatureDef;
import org.tensorflow.proto.framework.TensorInfo;

/**
 * Test helpers: SavedModel fixtures, edited copies of them, and the reference forward pass through DJL's own
 * TensorFlow engine (the SavedModel run as TensorFlow runs it, in a session).
 */
final class SavedModelTesting {

    static final String LENET = "real/tensorspace_lenet_tf_savedmodel";
    static final String HALF_PLUS_TWO = "real/tfserving_saved_model_half_plus_two_cpu";
    static final String HALF_PLUS_TWO_TF2 = "real/tfserving_saved_model_half_plus_two_tf2_cpu";
    static final String TIMES_THREE = "real/tfjsnode_saved_model_times_three_float";

    private SavedModelTesting() {
    }

    /** A fixture SavedModel folder. */
    static Path dir(String relative) {
        return Fixtures.file(relative + "/saved_model.pb").getParent();
    }

    /** A 28x28 canonical digit of the tensorspace LeNet fixtures, zero-padded by 2 to the SavedModel's NHWC 32x32. */
    static NpyArray paddedDigit(String input) {
        NpyArray x = Fixtures.npy(Fixtures.file("real/tensorspace_lenet_keras_h5/canonical/" + input + ".input.npy"));
        float[] out = new float[32 * 32];
        for (int y = 0; y < 28; y++) {
            System.arraycopy(x.data(), y * 28, out, (y + 2) * 32 + 2, 28);
        }
        return new NpyArray(out, new long[] {1, 32, 32, 1});
    }

    static SavedModel read(Path dir) {
        try {
            return SavedModel.parseFrom(Files.readAllBytes(dir.resolve("saved_model.pb")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A copy of a SavedModel folder (variables and assets included) with a replaced {@code saved_model.pb}. */
    static Path copyWith(Path source, Path target, SavedModel model) {
        try (Stream<Path> files = Files.walk(source)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path to = target.resolve(source.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
            Files.write(target.resolve("saved_model.pb"), model.toByteArray());
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The model with one more signature, {@code key}: the serving input → {@code outputTensor}. */
    static SavedModel withSignature(SavedModel model, String key, String outputTensor) {
        SavedModel.Builder b = model.toBuilder();
        MetaGraphDef.Builder meta = b.getMetaGraphsBuilder(0);
        SignatureDef serving = meta.getSignatureDefOrThrow("serving_default");
        SignatureDef extra = serving.toBuilder().clearOutputs().putOutputs("output",
                TensorInfo.newBuilder().setName(outputTensor).setDtype(DataType.DT_FLOAT).build()).build();
        meta.putSignatureDef(key, extra);
        return b.build();
    }

    /**
     * The SavedModel's output for one batch, computed by DJL's TensorFlow engine from the SavedModel itself.
     *
     * @param signature the signature to run ({@code serving_default} or one added by {@link #withSignature})
     */
    static float[] djlForward(Path dir, String signature, float[] x, long[] shape) throws Exception {
        startTensorFlow();
        try (Model model = Model.newInstance("reference", "TensorFlow")) {
            model.load(dir, null, Map.of("SignatureDefKey", signature));
            try (NDManager m = model.getNDManager().newSubManager()) {
                NDArray input = m.create(x, new Shape(shape));
                NDList out = model.getBlock().forward(new ParameterStore(m, false), new NDList(input), false);
                return out.singletonOrThrow().toFloatArray();
            }
        }
    }

    /** Native libraries from the classpath, and the synchronous eager context the backends use. */
    static void startTensorFlow() {
        TensorFlowNatives.ensureLibraryPath();
        TfSyncContext.install();
    }

    static float[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        double[] e = new double[logits.length];
        for (int i = 0; i < e.length; i++) {
            e[i] = Math.exp(logits[i] - max);
            sum += e[i];
        }
        float[] p = new float[e.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) (e[i] / sum);
        }
        return p;
    }

    static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("lengths differ: " + a.length + " vs " + b.length);
        }
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
