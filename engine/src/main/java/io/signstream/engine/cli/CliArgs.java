package io.signstream.engine.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code --flag value} command-line arguments; {@code --param k=v} may repeat. Unknown flags are errors so that
 * a typo never silently changes what runs.
 */
public final class CliArgs {

    private final Map<String, String> flags = new LinkedHashMap<>();
    private final Map<String, String> params = new LinkedHashMap<>();
    private final List<String> switches = new ArrayList<>();

    private CliArgs() {
    }

    /**
     * @param valued flags that take a value
     * @param booleans flags without a value
     */
    public static CliArgs parse(String[] args, List<String> valued, List<String> booleans) throws UsageException {
        CliArgs a = new CliArgs();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name;
            String value = null;
            if (!arg.startsWith("--")) {
                throw new UsageException("unexpected argument '" + arg + "'");
            }
            int eq = arg.indexOf('=');
            if (eq > 0 && !arg.startsWith("--param")) {
                name = arg.substring(2, eq);
                value = arg.substring(eq + 1);
            } else {
                name = arg.substring(2);
            }
            if (booleans.contains(name)) {
                a.switches.add(name);
                continue;
            }
            if (!valued.contains(name)) {
                throw new UsageException("unknown option --" + name + " (options: --" + String.join(", --", valued)
                        + (booleans.isEmpty() ? "" : ", --" + String.join(", --", booleans)) + ")");
            }
            if (value == null) {
                if (i + 1 >= args.length) {
                    throw new UsageException("--" + name + " needs a value");
                }
                value = args[++i];
            }
            if (name.equals("param")) {
                int e = value.indexOf('=');
                if (e <= 0) {
                    throw new UsageException("--param wants key=value, got '" + value + "'");
                }
                a.params.put(value.substring(0, e).trim(), value.substring(e + 1).trim());
            } else {
                a.flags.put(name, value);
            }
        }
        return a;
    }

    public Optional<String> get(String name) {
        return Optional.ofNullable(flags.get(name));
    }

    public String require(String name) throws UsageException {
        return get(name).orElseThrow(() -> new UsageException("missing --" + name));
    }

    public boolean has(String name) {
        return switches.contains(name);
    }

    public Map<String, String> params() {
        return params;
    }

    /** A command-line mistake: printed as one line with the usage, exit code 2. */
    public static final class UsageException extends Exception {
        public UsageException(String message) {
            super(message);
        }
    }
}
