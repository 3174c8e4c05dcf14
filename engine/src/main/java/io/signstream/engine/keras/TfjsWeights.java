package io.signstream.engine.keras;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import io.signstream.engine.graph.Weights;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The variables of a TensorFlow.js layers model: the {@code weightsManifest} of model.json lists groups of
 * weights, each stored back to back (little endian) across the group's shard files, in manifest order. Weights are
 * float32, or quantized (uint8/uint16 affine: {@code v·scale + min}; float16). A layer's variables are those whose
 * name is {@code .../<layer name>/<variable>}.
 */
final class TfjsWeights implements KerasWeights {

    private final List<KerasVariable> all;

    private TfjsWeights(List<KerasVariable> all) {
        this.all = all;
    }

    /**
     * @param dir the folder of model.json (shard paths are relative to it)
     * @param manifest the {@code weightsManifest} array
     */
    static TfjsWeights read(Path dir, JsonArray manifest, String model) throws ExplainException {
        List<KerasVariable> all = new ArrayList<>();
        for (JsonElement g : manifest) {
            JsonObject group = g.getAsJsonObject();
            ByteBuffer bytes = shards(dir, group.getAsJsonArray("paths"), model);
            for (JsonElement w : group.getAsJsonArray("weights")) {
                all.add(variable(w.getAsJsonObject(), bytes, model));
            }
            if (bytes.hasRemaining()) {
                throw new ExplainException(Kind.CORRUPT_MODEL, model + ": the weight shards " + group.get("paths")
                        + " hold " + bytes.remaining() + " bytes more than the manifest lists");
            }
        }
        return new TfjsWeights(all);
    }

    @Override
    public List<KerasVariable> of(KerasLayer layer) {
        List<KerasVariable> mine = new ArrayList<>();
        for (KerasVariable v : all) {
            String[] parts = v.name().split("/");
            if (parts.length >= 2 && parts[parts.length - 2].equals(layer.name())) {
                mine.add(v);
            }
        }
        return VariableOrder.keras(mine);
    }

    private static ByteBuffer shards(Path dir, JsonArray paths, String model) throws ExplainException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (JsonElement p : paths) {
            Path shard = dir.resolve(p.getAsString());
            try {
                out.write(Files.readAllBytes(shard));
            } catch (NoSuchFileException e) {
                throw new ExplainException(Kind.MODEL_NOT_FOUND, model + ": weight shard " + p.getAsString()
                        + " not found next to model.json (" + shard + ")");
            } catch (IOException e) {
                throw new ExplainException(Kind.MODEL_NOT_FOUND, model + ": cannot read weight shard " + shard + ": "
                        + e.getMessage(), e);
            }
        }
        return ByteBuffer.wrap(out.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static KerasVariable variable(JsonObject w, ByteBuffer bytes, String model) throws ExplainException {
        String name = KerasJson.string(w, "name", "?");
        long[] shape = KerasJson.shape(w.get("shape"));
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        String dtype = KerasJson.string(w, "dtype", "float32");
        JsonObject q = KerasJson.has(w, "quantization") ? w.getAsJsonObject("quantization") : null;
        String stored = q == null ? dtype : KerasJson.string(q, "dtype", "?").toLowerCase(Locale.ROOT);
        if (!dtype.equals("float32")) {
            throw new ExplainException(Kind.UNSUPPORTED_MODEL, model + ": weight " + name + " has dtype " + dtype
                    + "; only float32 weights are supported");
        }
        int size = switch (stored) {
            case "float32" -> 4;
            case "uint16", "float16" -> 2;
            case "uint8" -> 1;
            default -> throw new ExplainException(Kind.UNSUPPORTED_MODEL, model + ": weight " + name
                    + " is quantized as " + stored + "; supported: uint8, uint16, float16");
        };
        if (n * size > bytes.remaining()) {
            throw new ExplainException(Kind.CORRUPT_MODEL, model + ": the weight shards end inside " + name
                    + " (it needs " + n * size + " bytes, " + bytes.remaining() + " are left)");
        }
        float scale = q != null && KerasJson.has(q, "scale") ? q.get("scale").getAsFloat() : 1f;
        float min = q != null && KerasJson.has(q, "min") ? q.get("min").getAsFloat() : 0f;
        float[] values = new float[(int) n];
        for (int i = 0; i < values.length; i++) {
            values[i] = switch (stored) {
                case "float32" -> bytes.getFloat();
                case "float16" -> halfToFloat(bytes.getShort());
                case "uint16" -> (bytes.getShort() & 0xffff) * scale + min;
                default -> (bytes.get() & 0xff) * scale + min;
            };
        }
        return new KerasVariable(name, new Weights(values, shape));
    }

    /** IEEE 754 binary16 → float (Float.float16ToFloat arrived only in Java 20). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant / 1024f / 16384f; // subnormal: mant · 2^-24
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }
}
