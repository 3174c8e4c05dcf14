package io.signstream.engine.keras;

/**
 * Users pass the wrong file more often than a damaged one: names the formats that are easy to recognise from
 * their first bytes, for error messages.
 */
final class ModelFileHints {

    private ModelFileHints() {
    }

    /** A parenthesised hint starting with a space, or an empty string. */
    static String of(byte[] head) {
        if (head.length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
            return " (it is a zip archive, e.g. a Keras 3 .keras model or TorchScript)";
        }
        if (head.length >= 8 && (head[0] & 0xff) == 0x89 && head[1] == 'H' && head[2] == 'D' && head[3] == 'F') {
            return " (it is an HDF5 file, e.g. a Keras .h5 model)";
        }
        for (byte b : head) {
            if (b == ' ' || b == '\n' || b == '\r' || b == '\t') {
                continue;
            }
            return b == '{' ? " (it looks like JSON, e.g. a model config or a TensorFlow.js model.json)" : "";
        }
        return "";
    }
}
