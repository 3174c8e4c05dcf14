package io.signstream.engine.lrp;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.method.MethodParams;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses SignXAI's LRP method names (METHODS.md §1, §0.2 and §3.1) onto {@link RuleComposite}s:
 * {@code <prefix>_<body>[_IB][_mu_<v>][_improved][_VGG16ILSVRC]}. The prefix picks the input-layer rule
 * ({@code lrp_}: none, the body's rule applies there too; {@code lrpsign_}: SIGN, or SIGNmu(v) with {@code _mu_<v>};
 * {@code lrpz_}: Z; {@code w2lrp_}: WSquare; {@code flatlrp_}: Flat; {@code zblrp_}: Bounded), the body the rule of
 * every other Dense/Conv layer. Numbers are written {@code 0_25} = 0.25, {@code neg_0_5} = −0.5. The dotted analyzer
 * keys ({@code lrp.epsilon}, {@code lrp.stdxepsilon}, ...) are accepted too.
 *
 * <p>Values written into a name are defaults the user's parameters override (the {@link MethodParams} convention):
 * {@code epsilon} (ε rules and the Dense ε of the sequential composites), {@code stdfactor}, {@code alpha} /
 * {@code beta} (one given, the other follows from α − β = 1), {@code gamma}, {@code mu} (turns an {@code lrpsign_}
 * input rule into SIGNmu(mu)), {@code low} / {@code high} (the z^B bounds; a number or one per channel,
 * comma-separated), and {@code input_layer_rule} (an iNNvestigate rule name such as {@code Z}, {@code Flat},
 * {@code Bounded} or {@code (low, high)}; only with {@code lrp_} and the dotted keys, since the other prefixes fix the
 * input rule).
 *
 * <pre>{@code
 * LrpComposite c = LrpMethods.parse("lrpsign_epsilon_0_25_std_x_mu_neg_0_5", MethodParams.empty()).orElseThrow();
 * c.describe(); // "input: SIGNmu(-0.5); dense, conv: StdxEpsilon(0.25)"
 * }</pre>
 */
public final class LrpMethods {

    /** The bounds of caffe-style VGG16 input (BGR, mean-subtracted 0..255) fixed by the {@code zblrp_*_VGG16ILSVRC} names. */
    public static final double VGG16_LOW = -123.68;
    public static final double VGG16_HIGH = 151.061;

    private static final String NUM = "((?:neg_)?\\d+(?:_\\d+)?)";
    private static final Pattern PREFIX = Pattern.compile("^(lrpsign|lrpz|flatlrp|w2lrp|zblrp|lrp)_(.+)$");
    private static final Pattern MU = Pattern.compile("^(.+)_mu_" + NUM + "$");
    private static final Pattern EPSILON = Pattern.compile("^epsilon_" + NUM + "$");
    private static final Pattern STD_X = Pattern.compile("^epsilon_" + NUM + "_std_x$");
    private static final Pattern ALPHA_BETA = Pattern.compile("^alpha_" + NUM + "_beta_" + NUM + "$");
    private static final Pattern GAMMA = Pattern.compile("^gamma_" + NUM + "$");
    private static final String VGG_SUFFIX = "_vgg16ilsvrc";

    private LrpMethods() {
    }

    /**
     * @param baseName a method name without its post-hoc modifier suffix ({@code _x_input}, {@code _x_sign}, ...)
     * @param params the user's parameters
     * @return the composite, or empty when the name is not an LRP name at all
     * @throws ExplainException UNKNOWN_METHOD for an LRP-looking name whose rule is not known, BAD_PARAMETER for
     *         invalid values (ε ≤ 0, α − β ≠ 1, malformed numbers, a misplaced {@code _mu_} or input rule)
     */
    public static Optional<LrpComposite> parse(String baseName, MethodParams params) throws ExplainException {
        if (baseName == null) {
            return Optional.empty();
        }
        String s = baseName.trim().toLowerCase(Locale.ROOT);
        String prefix;
        String rest;
        if (s.startsWith("lrp.")) {
            // the analyzer keys of calculate_explanation_innvestigate: like lrp_<key>, input_layer_rule allowed
            prefix = "lrp";
            rest = s.substring(4);
        } else {
            Matcher m = PREFIX.matcher(s);
            if (!m.matches()) {
                return Optional.empty();
            }
            prefix = m.group(1);
            rest = m.group(2);
        }
        try {
            return Optional.of(build(baseName, prefix, rest, params));
        } catch (IllegalArgumentException e) {
            throw new ExplainException(ExplainException.Kind.BAD_PARAMETER,
                    "method '" + baseName + "': " + e.getMessage(), e);
        } catch (ExplainException e) {
            // parameter errors from MethodParams do not know which method read them
            if (e.getMessage().contains("'" + baseName + "'")) {
                throw e;
            }
            throw new ExplainException(e.kind(), "method '" + baseName + "': " + e.getMessage(), e);
        }
    }

    private static RuleComposite build(String name, String prefix, String rest, MethodParams params)
            throws ExplainException {
        String body = rest;
        Rule bounded = null;
        if (prefix.equals("zblrp")) {
            boolean vgg = body.endsWith(VGG_SUFFIX);
            if (vgg) {
                body = body.substring(0, body.length() - VGG_SUFFIX.length());
            } else if (params.text("low").isEmpty() || params.text("high").isEmpty()) {
                throw new ExplainException(ExplainException.Kind.BAD_PARAMETER, "method '" + name
                        + "': zblrp_ names need the input range: end the name in _VGG16ILSVRC (low=" + VGG16_LOW
                        + ", high=" + VGG16_HIGH + ") or pass the parameters low and high");
            }
            bounded = bounds(params, vgg ? VGG16_LOW : -1, vgg ? VGG16_HIGH : 1);
        }
        if (body.endsWith("_improved")) {
            // signxai2-PyTorch's "improved precision" variants compute the same maths
            body = body.substring(0, body.length() - "_improved".length());
        }
        Double mu = null;
        Matcher mm = MU.matcher(body);
        if (mm.matches()) {
            if (!prefix.equals("lrpsign")) {
                throw new ExplainException(ExplainException.Kind.UNKNOWN_METHOD, "method '" + name
                        + "': _mu_<v> selects the SIGNmu input rule and only follows lrpsign_ (for a post-hoc sign"
                        + " factor write _x_sign_mu_<v>)");
            }
            mu = number(mm.group(2));
            body = mm.group(1);
        }
        boolean ignoreBias = body.endsWith("_ib");
        if (ignoreBias) {
            body = body.substring(0, body.length() - "_ib".length());
        }

        Rule[] denseConv = body(name, body, params);
        Rule dense = ignoreBias ? new Rule.IgnoreBias(denseConv[0]) : denseConv[0];
        Rule conv = ignoreBias ? new Rule.IgnoreBias(denseConv[1]) : denseConv[1];

        Optional<String> requested = params.text("input_layer_rule");
        Rule input;
        switch (prefix) {
            case "lrp":
                input = requested.isPresent() ? inputRule(name, requested.get(), params) : null;
                break;
            case "lrpsign":
                double m = params.number("mu", mu == null ? Double.NaN : mu);
                input = Double.isNaN(m) ? new Rule.Sign() : new Rule.SignMu(m);
                break;
            case "lrpz":
                input = new Rule.Z();
                break;
            case "w2lrp":
                input = new Rule.WSquare();
                break;
            case "flatlrp":
                input = new Rule.Flat();
                break;
            case "zblrp":
                input = bounded;
                break;
            default:
                throw new IllegalStateException(prefix);
        }
        if (!prefix.equals("lrp") && requested.isPresent()) {
            throw new ExplainException(ExplainException.Kind.BAD_PARAMETER, "method '" + name + "': the prefix "
                    + prefix + "_ fixes the input-layer rule (" + input.label() + "); use lrp_" + rest
                    + " with input_layer_rule=" + requested.get() + " instead");
        }
        RuleComposite.Builder b = RuleComposite.builder().dense(dense).conv(conv);
        if (input != null) {
            b.inputLayer(input);
        }
        return b.build();
    }

    /** The Dense and Conv rules a body names. */
    private static Rule[] body(String name, String body, MethodParams params) throws ExplainException {
        Rule one = switch (body) {
            case "z" -> new Rule.Z();
            case "epsilon", "epsilon_wrapper" -> new Rule.Epsilon(params.number("epsilon", 0.1));
            case "stdxepsilon" -> new Rule.StdxEpsilon(params.number("stdfactor", 0.1));
            case "alpha_beta" -> alphaBeta(params, Double.NaN, Double.NaN);
            case "z_plus" -> new Rule.ZPlus();
            case "z_plus_fast" -> new Rule.ZPlusFast();
            case "w_square" -> new Rule.WSquare();
            case "flat" -> new Rule.Flat();
            case "gamma" -> new Rule.GammaTF(params.number("gamma", 0.5));
            default -> null;
        };
        if (one != null) {
            return new Rule[] {one, one};
        }
        if (body.equals("sequential_composite_a") || body.equals("sequential_composite_b")) {
            Rule dense = new Rule.Epsilon(params.number("epsilon", 0.1));
            Rule conv = body.endsWith("a") ? new Rule.AlphaBeta(1, 0) : new Rule.AlphaBeta(2, 1);
            return new Rule[] {dense, conv};
        }
        Matcher m;
        if ((m = EPSILON.matcher(body)).matches()) {
            one = new Rule.Epsilon(params.number("epsilon", number(m.group(1))));
        } else if ((m = STD_X.matcher(body)).matches()) {
            one = new Rule.StdxEpsilon(params.number("stdfactor", number(m.group(1))));
        } else if ((m = ALPHA_BETA.matcher(body)).matches()) {
            one = alphaBeta(params, number(m.group(1)), number(m.group(2)));
        } else if ((m = GAMMA.matcher(body)).matches()) {
            one = new Rule.GammaTF(params.number("gamma", number(m.group(1))));
        } else {
            throw new ExplainException(ExplainException.Kind.UNKNOWN_METHOD, "method '" + name
                    + "': unknown LRP rule '" + body + "'; accepted rules: z, epsilon_<v>, epsilon_<v>_std_x,"
                    + " epsilon_wrapper, alpha_<a>_beta_<b>, z_plus, z_plus_fast, w_square, flat, gamma[_<v>],"
                    + " sequential_composite_a, sequential_composite_b (`signstream methods` lists the grammar)");
        }
        return new Rule[] {one, one};
    }

    /** alpha/beta from the parameters over the name's values; one given, the other follows from α − β = 1. */
    private static Rule alphaBeta(MethodParams params, double nameAlpha, double nameBeta) throws ExplainException {
        boolean hasAlpha = params.text("alpha").isPresent();
        boolean hasBeta = params.text("beta").isPresent();
        double alpha;
        double beta;
        if (hasAlpha && hasBeta) {
            alpha = params.number("alpha", 0);
            beta = params.number("beta", 0);
        } else if (hasAlpha) {
            alpha = params.number("alpha", 0);
            beta = alpha - 1;
        } else if (hasBeta) {
            beta = params.number("beta", 0);
            alpha = beta + 1;
        } else if (!Double.isNaN(nameAlpha)) {
            alpha = nameAlpha;
            beta = nameBeta;
        } else {
            throw new ExplainException(ExplainException.Kind.BAD_PARAMETER,
                    "lrp.alpha_beta needs the parameter alpha (and optionally beta = alpha - 1)");
        }
        return new Rule.AlphaBeta(alpha, beta);
    }

    /** The rule an {@code input_layer_rule} parameter names (iNNvestigate's LRP_RULES keys, or a (low, high) pair). */
    private static Rule inputRule(String name, String text, MethodParams params) throws ExplainException {
        String key = text.trim().toLowerCase(Locale.ROOT).replace("_", "");
        if (key.startsWith("(") || key.startsWith("[") || key.matches("^-?[0-9.].*,.*")) {
            float[][] pair = floats(text, "input_layer_rule");
            return new Rule.Bounded(pair[0], pair[1]);
        }
        boolean ib = key.endsWith("ignorebias");
        String base = ib ? key.substring(0, key.length() - "ignorebias".length()) : key;
        Rule rule = switch (base) {
            case "z" -> new Rule.Z();
            case "sign" -> new Rule.Sign();
            case "signmu" -> new Rule.SignMu(params.number("mu", 0.0));
            // iNNvestigate's EpsilonRule default
            case "epsilon" -> new Rule.Epsilon(params.number("epsilon", 1e-7));
            case "stdxepsilon" -> new Rule.StdxEpsilon(params.number("stdfactor", 0.25));
            case "wsquare" -> new Rule.WSquare();
            case "flat" -> new Rule.Flat();
            case "gamma" -> new Rule.GammaTF(params.number("gamma", 0.5));
            case "alphabeta" -> alphaBeta(params, 1, 0);
            case "alpha2beta1" -> new Rule.AlphaBeta(2, 1);
            case "alpha1beta0" -> new Rule.AlphaBeta(1, 0);
            case "zplus" -> new Rule.ZPlus();
            case "zplusfast" -> new Rule.ZPlusFast();
            case "bounded" -> bounds(params, -1, 1);
            default -> throw new ExplainException(ExplainException.Kind.BAD_PARAMETER, "method '" + name
                    + "': unknown input_layer_rule '" + text + "'; accepted: Z, ZIgnoreBias, SIGN, SIGNmu, Epsilon,"
                    + " StdxEpsilon, EpsilonIgnoreBias, WSquare, Flat, Gamma, AlphaBeta, AlphaBetaIgnoreBias,"
                    + " Alpha2Beta1, Alpha2Beta1IgnoreBias, Alpha1Beta0, Alpha1Beta0IgnoreBias, ZPlus, ZPlusFast,"
                    + " Bounded, or (low, high)");
        };
        return ib ? new Rule.IgnoreBias(rule) : rule;
    }

    /** Bounded with low/high from the parameters (a number or one per channel) over the given defaults. */
    private static Rule bounds(MethodParams params, double low, double high) throws ExplainException {
        float[] l = params.text("low").isPresent() ? floats(params.text("low").get(), "low")[0]
                : new float[] {(float) low};
        float[] h = params.text("high").isPresent() ? floats(params.text("high").get(), "high")[0]
                : new float[] {(float) high};
        return new Rule.Bounded(l, h);
    }

    /**
     * Parses "1", "1,2,3" or "[1, 2]" into one list; for {@code input_layer_rule} "(a, b)", "a, b" or
     * "([..], [..])" into the two lists low and high.
     */
    private static float[][] floats(String text, String param) throws ExplainException {
        String t = text.trim();
        boolean pair = param.equals("input_layer_rule");
        try {
            if (t.startsWith("(") && t.endsWith(")")) {
                t = t.substring(1, t.length() - 1).trim();
            }
            if (t.startsWith("[")) {
                List<float[]> lists = new ArrayList<>();
                Matcher m = Pattern.compile("\\[([^\\]]*)\\]").matcher(t);
                while (m.find()) {
                    lists.add(list(m.group(1)));
                }
                if (lists.isEmpty() || lists.size() != (pair ? 2 : 1)) {
                    throw new NumberFormatException(text);
                }
                return lists.toArray(new float[0][]);
            }
            float[] values = list(t);
            if (pair) {
                if (values.length != 2) {
                    throw new NumberFormatException(text);
                }
                return new float[][] {{values[0]}, {values[1]}};
            }
            return new float[][] {values};
        } catch (RuntimeException e) {
            throw new ExplainException(ExplainException.Kind.BAD_PARAMETER, "parameter " + param + "=" + text
                    + (pair ? " is not a (low, high) pair" : " is not a number or a comma-separated list of numbers"));
        }
    }

    private static float[] list(String csv) {
        String[] parts = csv.split(",");
        float[] out = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = Float.parseFloat(parts[i].trim());
            if (!Float.isFinite(out[i])) {
                throw new NumberFormatException(parts[i]);
            }
        }
        return out;
    }

    /** "0_25" → 0.25, "neg_0_5" → −0.5, "100" → 100. */
    private static double number(String text) {
        boolean negative = text.startsWith("neg_");
        String t = negative ? text.substring(4) : text;
        int cut = t.indexOf('_');
        double v = Double.parseDouble(cut < 0 ? t : t.substring(0, cut) + "." + t.substring(cut + 1));
        return negative ? -v : v;
    }

    /** The accepted LRP names with their parameters, one line each (for {@code signstream methods}). */
    public static List<String> grammar() {
        return List.of(
                "lrp_<rule>                     <rule> on every Dense/Conv layer, the input layer included"
                        + " (param input_layer_rule overrides the input layer)",
                "lrpsign_<rule>[_mu_<v>]        SIGN input rule (s1(x), s1(0)=+1), or SIGNmu(v) (+1 if x >= v else -1;"
                        + " param mu); <rule> elsewhere",
                "lrpz_<rule>                    Z input rule; <rule> elsewhere",
                "w2lrp_<rule>                   WSquare input rule; <rule> elsewhere",
                "flatlrp_<rule>                 Flat input rule; <rule> elsewhere",
                "zblrp_<rule>_VGG16ILSVRC       Bounded input rule, low=-123.68 high=151.061 (params low, high;"
                        + " zblrp_<rule> without the suffix needs them)",
                "  <rule> = z                   LRP-0 (SafeDivide)",
                "         | epsilon_<v>         Epsilon(v), v > 0 (param epsilon)",
                "         | epsilon_<v>_std_x   StdxEpsilon: eps = v * std(layer input), per sample (param stdfactor)",
                "         | epsilon_wrapper     Epsilon(param epsilon, default 0.1)",
                "         | alpha_<a>_beta_<b>  AlphaBeta(a, b), a - b = 1, full bias in both parts (params alpha, beta)",
                "         | z_plus | z_plus_fast | w_square | flat",
                "         | gamma[_<v>]         SignXAI TF gamma rule, default 0.5 (param gamma)",
                "         | sequential_composite_a | sequential_composite_b"
                        + "   Dense Epsilon(0.1) (param epsilon), Conv AlphaBeta(1,0) | AlphaBeta(2,1)",
                "         optional _IB: ignore the bias; optional _improved: same maths (signxai2-PyTorch alias)",
                "lrp.<key>                      dotted analyzer keys: lrp.z, lrp.epsilon (epsilon, default 0.1),"
                        + " lrp.stdxepsilon (stdfactor, default 0.1), lrp.alpha_beta (alpha, beta), lrp.alpha_1_beta_0,"
                        + " lrp.alpha_2_beta_1, lrp.z_plus, lrp.z_plus_fast, lrp.w_square, lrp.flat, lrp.gamma (gamma),"
                        + " lrp.sequential_composite_a|b, *_IB",
                "numbers: 0_25 = 0.25, neg_0_5 = -0.5; parameters override values written into the name",
                "input_layer_rule: Z, SIGN, SIGNmu, Epsilon, StdxEpsilon, WSquare, Flat, Gamma, AlphaBeta, Alpha1Beta0,"
                        + " Alpha2Beta1, ZPlus, ZPlusFast, Bounded (*IgnoreBias variants), or (low, high)");
    }
}
