package io.signstream.engine.savedmodel;

/**
 * One input reference of a TensorFlow node, parsed.
 *
 * <p>The two spellings differ: in the top-level graph an input is {@code node} or {@code node:3}; inside a
 * function body it is {@code arg} (a function input) or {@code node:output_arg:3}, where the index counts within
 * the named output argument of the producing op. {@code ^node} is a control dependency in both.
 *
 * @param node the producing node, or the function argument when {@code outputArg} is null inside a function
 * @param outputArg the output argument name (function bodies only), else null
 * @param index the output index (within {@code outputArg} when given)
 * @param control a control dependency, which carries no value
 */
record TfRef(String node, String outputArg, int index, boolean control) {

    /** A reference in the top-level graph. */
    static TfRef graph(String text) {
        if (text.startsWith("^")) {
            return new TfRef(text.substring(1), null, 0, true);
        }
        int colon = text.lastIndexOf(':');
        if (colon > 0 && isNumber(text.substring(colon + 1))) {
            return new TfRef(text.substring(0, colon), null, Integer.parseInt(text.substring(colon + 1)), false);
        }
        return new TfRef(text, null, 0, false);
    }

    /** A reference inside a function body. */
    static TfRef function(String text) {
        if (text.startsWith("^")) {
            return new TfRef(text.substring(1), null, 0, true);
        }
        String[] parts = text.split(":");
        if (parts.length == 3 && isNumber(parts[2])) {
            return new TfRef(parts[0], parts[1], Integer.parseInt(parts[2]), false);
        }
        if (parts.length == 2 && isNumber(parts[1])) {
            return new TfRef(parts[0], null, Integer.parseInt(parts[1]), false);
        }
        return new TfRef(text, null, 0, false);
    }

    /** True for a bare name inside a function body: a reference to one of the function's inputs. */
    boolean isArgument() {
        return outputArg == null && index == 0;
    }

    private static boolean isNumber(String s) {
        return !s.isEmpty() && s.chars().allMatch(Character::isDigit);
    }
}
