package io.signstream.engine.api;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** The model file formats SignStream imports, recognised from the file name. */
public enum ModelFormat {
    ONNX,
    TORCHSCRIPT;

    public static ModelFormat of(Path file) throws ExplainException {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".onnx")) {
            return ONNX;
        }
        if (name.endsWith(".pt") || name.endsWith(".pth") || name.endsWith(".torchscript")) {
            return TORCHSCRIPT;
        }
        if (!Files.exists(file)) {
            throw new ExplainException(ExplainException.Kind.MODEL_NOT_FOUND, "model file not found: " + file);
        }
        throw new ExplainException(ExplainException.Kind.UNSUPPORTED_MODEL, "unrecognised model format: " + file
                + " (supported: .onnx, TorchScript .pt/.pth)");
    }
}
