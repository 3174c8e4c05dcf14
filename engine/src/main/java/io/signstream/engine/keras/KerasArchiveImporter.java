package io.signstream.engine.keras;

import io.jhdf.HdfFile;
import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import io.signstream.engine.graph.Graph;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Imports a Keras 3 model archive ({@code model.save("m.keras")}): a zip holding {@code config.json} (the model
 * config), {@code metadata.json} and {@code model.weights.h5}, whose variables are stored per layer class
 * ({@code layers/conv2d/vars/0}, see {@link Keras3H5Weights}). The graph takes the Keras layout (channels-last
 * inputs and maps), like {@link KerasH5Importer}; see {@link KerasConfigTranslator} for the supported layers.
 *
 * <pre>{@code
 * Graph graph = KerasArchiveImporter.read(Path.of("model.keras"));
 * System.out.println(graph.layout() + " " + java.util.Arrays.toString(graph.sampleShape())); // NHWC [28, 28, 1]
 * }</pre>
 *
 * <p>Errors: {@link Kind#MODEL_NOT_FOUND} for a missing file, {@link Kind#CORRUPT_MODEL} for a file that is not a
 * zip, lacks config.json or model.weights.h5, or holds weights that do not fit the config,
 * {@link Kind#UNSUPPORTED_MODEL} for npz weights or a layer the graph cannot represent.
 */
public final class KerasArchiveImporter {

    /** Larger entries are refused rather than read into memory (a zip may claim any size). */
    private static final long MAX_ENTRY_BYTES = Integer.MAX_VALUE - 64;

    private KerasArchiveImporter() {
    }

    public static Graph read(Path file) throws ExplainException {
        String fileName = file.getFileName().toString();
        String name = KerasH5Importer.stem(file);
        if (!Files.isRegularFile(file)) {
            throw new ExplainException(Kind.MODEL_NOT_FOUND, "model file not found: " + file);
        }
        try (ZipFile zip = new ZipFile(file.toFile())) {
            String config = new String(entry(zip, "config.json", fileName), StandardCharsets.UTF_8);
            if (zip.getEntry("model.weights.h5") == null && zip.getEntry("model.weights.npz") != null) {
                throw new ExplainException(Kind.UNSUPPORTED_MODEL, fileName
                        + " stores its weights as model.weights.npz; only model.weights.h5 is supported");
            }
            byte[] weights = entry(zip, "model.weights.h5", fileName);
            KerasTopology topology = KerasTopology.parse(KerasJson.parseObject(config, fileName + " config.json"),
                    name);
            try (HdfFile h5 = Hdf5Files.open(weights, fileName + "!model.weights.h5")) {
                return KerasConfigTranslator.translate(topology,
                        new Keras3H5Weights(h5, topology, fileName + "!model.weights.h5"), name);
            } catch (RuntimeException e) {
                throw Hdf5Files.damaged(fileName + "!model.weights.h5", e);
            }
        } catch (ZipException e) {
            throw new ExplainException(Kind.CORRUPT_MODEL, fileName + " is not a .keras archive (not a readable zip: "
                    + e.getMessage() + ")" + hint(file), e);
        } catch (NoSuchFileException e) {
            throw new ExplainException(Kind.MODEL_NOT_FOUND, "model file not found: " + file);
        } catch (IOException e) {
            throw new ExplainException(Kind.CORRUPT_MODEL, "cannot read " + fileName + ": " + e.getMessage(), e);
        }
    }

    private static byte[] entry(ZipFile zip, String entryName, String fileName) throws IOException,
            ExplainException {
        ZipEntry e = zip.getEntry(entryName);
        if (e == null) {
            throw new ExplainException(Kind.CORRUPT_MODEL, fileName + " is not a Keras 3 model archive: it has no "
                    + entryName);
        }
        if (e.getSize() > MAX_ENTRY_BYTES) {
            throw new ExplainException(Kind.UNSUPPORTED_MODEL, fileName + ": " + entryName + " is too large ("
                    + e.getSize() + " bytes)");
        }
        try (InputStream in = zip.getInputStream(e)) {
            return in.readAllBytes();
        }
    }

    private static String hint(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            String h = ModelFileHints.of(in.readNBytes(64));
            return h.contains("zip") ? " (it starts like a zip: damaged or truncated?)" : h;
        } catch (IOException e) {
            return "";
        }
    }
}
