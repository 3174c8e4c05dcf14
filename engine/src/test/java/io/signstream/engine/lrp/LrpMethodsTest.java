package io.signstream.engine.lrp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.method.Family;
import io.signstream.engine.method.MethodNames;
import io.signstream.engine.method.MethodParams;
import io.signstream.engine.method.MethodSpec;
import io.signstream.engine.method.Modifier;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Name → composite mapping of METHODS.md §1/§3.1 and the HEAD grammar, plus errors for malformed names. */
class LrpMethodsTest {

    private static RuleComposite parse(String name) throws ExplainException {
        return parse(name, Map.of());
    }

    private static RuleComposite parse(String name, Map<String, String> params) throws ExplainException {
        Optional<LrpComposite> c = LrpMethods.parse(name, MethodParams.of(params));
        assertTrue(c.isPresent(), name + " should be an LRP name");
        return (RuleComposite) c.get();
    }

    @Test
    void everyLegacyLrpNameParsesThroughMethodNames() throws ExplainException {
        List<String> lrp = MethodNames.legacyNames().stream()
                .filter(n -> n.startsWith("lrp") || n.startsWith("flatlrp") || n.startsWith("w2lrp")
                        || n.startsWith("zblrp"))
                .toList();
        assertEquals(146, lrp.size(), "LRP names in the legacy list");
        for (String name : lrp) {
            MethodSpec spec = MethodNames.parse(name, MethodParams.empty());
            assertEquals(Family.LRP, spec.family(), name);
            assertNotNull(spec.lrp(), name);
            assertFalse(spec.lrp().describe().isBlank(), name);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "lrp_z                                   | dense, conv: Z",
        "lrp_epsilon_0_1                         | dense, conv: Epsilon(0.1)",
        "lrp_epsilon_0_001                       | dense, conv: Epsilon(0.001)",
        "lrp_epsilon_75                          | dense, conv: Epsilon(75)",
        "lrp_epsilon_0_25_std_x                  | dense, conv: StdxEpsilon(0.25)",
        "lrp_epsilon_wrapper                     | dense, conv: Epsilon(0.1)",
        "lrp_alpha_1_beta_0                      | dense, conv: AlphaBeta(1,0)",
        "lrp_alpha_2_beta_1                      | dense, conv: AlphaBeta(2,1)",
        "lrp_alpha_3_beta_2                      | dense, conv: AlphaBeta(3,2)",
        "lrp_z_plus                              | dense, conv: ZPlus",
        "lrp_w_square                            | dense, conv: WSquare",
        "lrp_flat                                | dense, conv: Flat",
        "lrp_gamma                               | dense, conv: GammaTF(0.5)",
        "lrp_gamma_0_25                          | dense, conv: GammaTF(0.25)",
        "lrp_sequential_composite_a              | dense: Epsilon(0.1); conv: AlphaBeta(1,0)",
        "lrp_sequential_composite_b              | dense: Epsilon(0.1); conv: AlphaBeta(2,1)",
        "lrpsign_z                               | input: SIGN; dense, conv: Z",
        "lrpsign_alpha_1_beta_0                  | input: SIGN; dense, conv: AlphaBeta(1,0)",
        "lrpsign_epsilon_100_improved            | input: SIGN; dense, conv: Epsilon(100)",
        "lrpsign_epsilon_100_mu_neg_0_5          | input: SIGNmu(-0.5); dense, conv: Epsilon(100)",
        "lrpsign_epsilon_0_25_std_x_mu_0_5       | input: SIGNmu(0.5); dense, conv: StdxEpsilon(0.25)",
        "lrpsign_epsilon_0_25_std_x_mu_0         | input: SIGNmu(0); dense, conv: StdxEpsilon(0.25)",
        "lrpsign_sequential_composite_b          | input: SIGN; dense: Epsilon(0.1); conv: AlphaBeta(2,1)",
        "lrpz_epsilon_0_5_std_x                  | input: Z; dense, conv: StdxEpsilon(0.5)",
        "w2lrp_alpha_1_beta_0                    | input: WSquare; dense, conv: AlphaBeta(1,0)",
        "flatlrp_sequential_composite_a          | input: Flat; dense: Epsilon(0.1); conv: AlphaBeta(1,0)",
        "zblrp_z_VGG16ILSVRC                     | input: Bounded(-123.68,151.061); dense, conv: Z",
        "zblrp_epsilon_0_1_std_x_VGG16ILSVRC     | input: Bounded(-123.68,151.061); dense, conv: StdxEpsilon(0.1)",
        "lrp.epsilon                             | dense, conv: Epsilon(0.1)",
        "lrp.stdxepsilon                         | dense, conv: StdxEpsilon(0.1)",
        "lrp.gamma                               | dense, conv: GammaTF(0.5)",
        "lrp.flat                                | dense, conv: Flat",
        "lrp.w_square                            | dense, conv: WSquare",
        "lrp.z_plus                              | dense, conv: ZPlus",
        "lrp.alpha_1_beta_0                      | dense, conv: AlphaBeta(1,0)",
        "lrp.alpha_2_beta_1                      | dense, conv: AlphaBeta(2,1)",
        "lrp.z_IB                                | dense, conv: ZIgnoreBias",
        "lrp_epsilon_0_1_IB                      | dense, conv: Epsilon(0.1)IgnoreBias",
        "lrp.z_plus_fast                         | dense, conv: ZPlusFast",
        "LRP_EPSILON_1                           | dense, conv: Epsilon(1)"})
    void namesMapOntoRules(String name, String description) throws ExplainException {
        assertEquals(description, parse(name).describe());
    }

    @Test
    void rulesAreComparableData() throws ExplainException {
        RuleComposite c = parse("lrpsign_epsilon_0_25_std_x_mu_neg_0_5");
        assertEquals(Optional.of(new Rule.SignMu(-0.5)), c.inputLayerRule());
        assertEquals(new Rule.StdxEpsilon(0.25), c.denseRule());
        assertEquals(new Rule.StdxEpsilon(0.25), c.convRule());
        assertEquals(Rule.Bounded.of(-123.68, 151.061), parse("zblrp_z_VGG16ILSVRC").inputLayerRule().get());
    }

    @Test
    void modifierSuffixesArePeeledBeforeTheLrpStem() throws ExplainException {
        MethodSpec spec = MethodNames.parse("lrp_epsilon_0_1_x_sign_mu_neg_0_5", MethodParams.empty());
        assertEquals(new Modifier.XSignMu(-0.5), spec.modifier());
        assertEquals("dense, conv: Epsilon(0.1)", spec.lrp().describe());
        // _mu_ after lrpsign_ is the SIGNmu input rule, not a post-hoc factor
        spec = MethodNames.parse("lrpsign_epsilon_100_mu_0_5", MethodParams.empty());
        assertEquals(new Modifier.None(), spec.modifier());
        assertEquals("input: SIGNmu(0.5); dense, conv: Epsilon(100)", spec.lrp().describe());
    }

    @Test
    void userParametersOverrideTheNamesValues() throws ExplainException {
        assertEquals("dense, conv: Epsilon(0.3)", parse("lrp_epsilon_wrapper", Map.of("epsilon", "0.3")).describe());
        assertEquals("dense, conv: Epsilon(2)", parse("lrp_epsilon_0_1", Map.of("epsilon", "2")).describe());
        assertEquals("dense, conv: StdxEpsilon(3)", parse("lrp_epsilon_0_1_std_x", Map.of("stdfactor", "3")).describe());
        assertEquals("dense, conv: GammaTF(0.25)", parse("lrp_gamma", Map.of("gamma", "0.25")).describe());
        assertEquals("dense, conv: AlphaBeta(3,2)", parse("lrp_alpha_1_beta_0", Map.of("alpha", "3")).describe());
        assertEquals("dense, conv: AlphaBeta(2,1)", parse("lrp.alpha_beta", Map.of("beta", "1")).describe());
        assertEquals("dense: Epsilon(0.5); conv: AlphaBeta(1,0)",
                parse("lrp_sequential_composite_a", Map.of("epsilon", "0.5")).describe());
        assertEquals("input: SIGNmu(-0.25); dense, conv: Z", parse("lrpsign_z", Map.of("mu", "-0.25")).describe());
        assertEquals("input: Bounded(-1,2); dense, conv: Epsilon(0.1)",
                parse("zblrp_epsilon_0_1", Map.of("low", "-1", "high", "2")).describe());
        assertEquals("input: Bounded([0 -1 -2],[1 2 3]); dense, conv: Z",
                parse("zblrp_z_VGG16ILSVRC", Map.of("low", "0,-1,-2", "high", "[1, 2, 3]")).describe());
        assertEquals("input: Flat; dense, conv: Epsilon(0.1)",
                parse("lrp_epsilon_0_1", Map.of("input_layer_rule", "Flat")).describe());
        assertEquals("input: Bounded(-1,2); dense, conv: Z",
                parse("lrp_z", Map.of("input_layer_rule", "(-1, 2)")).describe());
        assertEquals("input: ZIgnoreBias; dense, conv: Z",
                parse("lrp.z", Map.of("input_layer_rule", "ZIgnoreBias")).describe());
        assertEquals("input: SIGNmu(0.5); dense, conv: Z",
                parse("lrp_z", Map.of("input_layer_rule", "SIGNmu", "mu", "0.5")).describe());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gradient", "smoothgrad", "lrpx_z", "lrp", "deeplift", "grad_cam", "relevance_lrp_z"})
    void otherNamesAreNotLrp(String name) throws ExplainException {
        assertTrue(LrpMethods.parse(name, MethodParams.empty()).isEmpty(), name);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "lrp_alpha_2_beta_0, BAD_PARAMETER",
        "lrp_alpha_0_5_beta_neg_0_5, BAD_PARAMETER",
        "lrp_epsilon_0, BAD_PARAMETER",
        "lrp_epsilon_neg_0_5, BAD_PARAMETER",
        "lrp_epsilon_0_std_x, BAD_PARAMETER",
        "zblrp_z, BAD_PARAMETER",
        "lrp_foo, UNKNOWN_METHOD",
        "lrp_epsilon, BAD_PARAMETER",
        "lrp_epsilon_1_2_3, UNKNOWN_METHOD",
        "lrp_epsilon_100_mu_0_5, UNKNOWN_METHOD",
        "lrp_z_VGG16ILSVRC, UNKNOWN_METHOD",
        "lrp.alpha_beta, BAD_PARAMETER"})
    void invalidLrpNamesFailClearly(String name, ExplainException.Kind kind) {
        Map<String, String> params = name.equals("lrp_epsilon") ? Map.of("epsilon", "abc") : Map.of();
        ExplainException e = assertThrows(ExplainException.class,
                () -> LrpMethods.parse(name, MethodParams.of(params)));
        assertEquals(kind, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(name), e.getMessage());
    }

    @Test
    void invalidParametersFailClearly() {
        ExplainException e = assertThrows(ExplainException.class,
                () -> LrpMethods.parse("lrpsign_z", MethodParams.of(Map.of("input_layer_rule", "Z"))));
        assertEquals(ExplainException.Kind.BAD_PARAMETER, e.kind());
        assertTrue(e.getMessage().contains("fixes the input-layer rule"), e.getMessage());
        e = assertThrows(ExplainException.class,
                () -> LrpMethods.parse("lrp_z", MethodParams.of(Map.of("input_layer_rule", "Magic"))));
        assertEquals(ExplainException.Kind.BAD_PARAMETER, e.kind());
        e = assertThrows(ExplainException.class,
                () -> LrpMethods.parse("zblrp_z", MethodParams.of(Map.of("low", "x", "high", "1"))));
        assertEquals(ExplainException.Kind.BAD_PARAMETER, e.kind());
        e = assertThrows(ExplainException.class,
                () -> LrpMethods.parse("zblrp_z", MethodParams.of(Map.of("low", "2", "high", "1"))));
        assertEquals(ExplainException.Kind.BAD_PARAMETER, e.kind());
        e = assertThrows(ExplainException.class,
                () -> LrpMethods.parse("lrp_alpha_1_beta_0", MethodParams.of(Map.of("alpha", "2", "beta", "2"))));
        assertEquals(ExplainException.Kind.BAD_PARAMETER, e.kind());
    }

    @Test
    void unknownNamesThroughMethodNamesStillSuggestNeighbours() {
        ExplainException e = assertThrows(ExplainException.class,
                () -> MethodNames.parse("lrpp_epsilon_0_1", MethodParams.empty()));
        assertEquals(ExplainException.Kind.UNKNOWN_METHOD, e.kind());
    }

    @Test
    void grammarDescribesPrefixesRulesAndParameters() {
        String all = String.join("\n", LrpMethods.grammar());
        for (String word : List.of("lrpsign_", "lrpz_", "w2lrp_", "flatlrp_", "zblrp_", "_VGG16ILSVRC", "epsilon_<v>",
                "_std_x", "alpha_<a>_beta_<b>", "gamma", "sequential_composite_a", "lrp.", "input_layer_rule", "mu")) {
            assertTrue(all.contains(word), "grammar mentions " + word);
        }
    }

    @Test
    void builderRejectsMisplacedRules() {
        assertThrows(IllegalArgumentException.class, () -> RuleComposite.builder().dense(new Rule.Sign()));
        assertThrows(IllegalArgumentException.class,
                () -> RuleComposite.builder().layerType(io.signstream.engine.graph.Layer.MaxPool.class, new Rule.Z()));
        assertThrows(IllegalStateException.class, () -> RuleComposite.builder().dense(new Rule.Z()).build());
        assertThrows(IllegalArgumentException.class, () -> new Rule.AlphaBeta(2, 0));
        assertThrows(IllegalArgumentException.class, () -> new Rule.Epsilon(0));
        assertEquals("input: SIGN; dense: Epsilon(0.1); conv: AlphaBeta(1,0); features.0: Flat",
                RuleComposite.builder().inputLayer(new Rule.Sign()).dense(new Rule.Epsilon(0.1))
                        .conv(new Rule.AlphaBeta(1, 0)).node("features.0", new Rule.Flat()).build().describe());
    }
}
