package io.signstream.engine.cli;

import io.signstream.engine.backend.DeviceChoice;
import io.signstream.engine.backend.EngineKind;
import java.util.Arrays;
import java.util.List;

/** Parsing of the option values shared by the engine commands. */
final class CliMethods {

    private CliMethods() {
    }

    static List<String> split(String methods) throws CliArgs.UsageException {
        List<String> list = Arrays.stream(methods.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        if (list.isEmpty()) {
            throw new CliArgs.UsageException("--method names no method");
        }
        return list;
    }

    static int[] targets(String text) throws CliArgs.UsageException {
        if (text == null) {
            return null;
        }
        try {
            return Arrays.stream(text.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
        } catch (NumberFormatException e) {
            throw new CliArgs.UsageException("--target wants a class index (or a comma-separated list), got '"
                    + text + "'");
        }
    }

    static EngineKind engine(String text) {
        return EngineKind.parse(text);
    }

    static DeviceChoice device(String text) {
        return DeviceChoice.parse(text);
    }
}
