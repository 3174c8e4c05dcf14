package io.signstream.engine.api;

import io.signstream.engine.savedmodel.SavedModelImporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** The model file formats SignStream imports, recognised from the file name (a SavedModel from its folder). */
public enum ModelFormat {
    ONNX,
    TORCHSCRIPT,
    /** Keras HDF5 ({@code .h5}, {@code .hdf5}): a full model, or weights with their JSON config next to them */
    H5,
    /** Keras 3 archive ({@code .keras}) */
    KERAS,
    /** TensorFlow.js layers model ({@code model.json} + weight shards) */
    TFJS,
    /** TensorFlow SavedModel: a folder holding {@code saved_model.pb} (or that file itself) */
    SAVED_MODEL;

    /** Keras, TensorFlow.js and SavedModel models: channels-last, run on the TensorFlow engine by default. */
    public boolean tensorFlowSide() {
        return this == H5 || this == KERAS || this == TFJS || this == SAVED_MODEL;
    }

    /** A zip holding {@code <name>/data.pkl} and {@code <name>/code/}: how torch.jit.save writes a model. */
    private static boolean isTorchScriptArchive(Path file) {
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(file.toFile())) {
            return zip.stream().anyMatch(e -> e.getName().endsWith("/data.pkl"))
                    && zip.stream().anyMatch(e -> e.getName().contains("/code/"));
        } catch (java.io.IOException e) {
            return false;
        }
    }

    public static ModelFormat of(Path file) throws ExplainException {
        if (Files.isDirectory(file)) {
            if (SavedModelImporter.isSavedModel(file)) {
                return SAVED_MODEL;
            }
            throw new ExplainException(ExplainException.Kind.MODEL_NOT_FOUND, "not a TensorFlow SavedModel: "
                    + "folder " + file + " holds no saved_model.pb");
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.equals("saved_model.pb")) {
            return SAVED_MODEL;
        }
        if (name.endsWith(".onnx")) {
            return ONNX;
        }
        if (name.endsWith(".pt") || name.endsWith(".pth") || name.endsWith(".torchscript")) {
            return TORCHSCRIPT;
        }
        if (name.endsWith(".h5") || name.endsWith(".hdf5")) {
            return H5;
        }
        if (name.endsWith(".keras")) {
            return KERAS;
        }
        if (name.endsWith(".json")) {
            return TFJS;
        }
        if (!Files.exists(file)) {
            throw new ExplainException(ExplainException.Kind.MODEL_NOT_FOUND, "model file not found: " + file);
        }
        if (isTorchScriptArchive(file)) {
            return TORCHSCRIPT; // e.g. TorchSharp's *.script.dat: a TorchScript zip under another name
        }
        throw new ExplainException(ExplainException.Kind.UNSUPPORTED_MODEL, "unrecognised model format: " + file
                + " (supported: .onnx, TorchScript .pt/.pth, Keras .h5/.hdf5/.keras, TensorFlow.js model.json,"
                + " a TensorFlow SavedModel folder)");
    }
}
