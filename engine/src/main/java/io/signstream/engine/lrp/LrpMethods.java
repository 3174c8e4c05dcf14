package io.signstream.engine.lrp;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.method.MethodParams;
import java.util.List;
import java.util.Optional;

/** Parses LRP method names onto composites (placeholder until the LRP catalogue lands). */
public final class LrpMethods {

    private LrpMethods() {
    }

    /**
     * @param baseName a method name without its post-hoc modifier suffix
     * @return the composite, or empty when the name is not an LRP name at all
     * @throws ExplainException for an LRP name with malformed or invalid parameters
     */
    public static Optional<LrpComposite> parse(String baseName, MethodParams params) throws ExplainException {
        return Optional.empty();
    }

    /** Every accepted LRP base name pattern, for listings. */
    public static List<String> grammar() {
        return List.of();
    }
}
