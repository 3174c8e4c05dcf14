package io.signstream.engine.method;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.lrp.LrpComposite;
import io.signstream.engine.lrp.LrpMethods;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses SignXAI method names — the 207 legacy names of METHODS.md §1 and the HEAD grammar of §0.2 — into a
 * {@link MethodSpec}. Numbers in names are written {@code 0_25} = 0.25 and {@code neg_0_5} = −0.5.
 *
 * <pre>{@code
 * MethodSpec ig = MethodNames.parse("integrated_gradients_steps_100", MethodParams.empty());
 * }</pre>
 */
public final class MethodNames {

    private static final String NUMBER = "(neg_)?(\\d+)(?:_(\\d+))?";
    private static final Pattern SIGN_MU = Pattern.compile("^(.*)_x_sign_mu_" + NUMBER + "$");
    private static final Pattern INPUT_SIGN_MU = Pattern.compile("^(.*)_x_input_x_sign_mu_" + NUMBER + "$");
    private static final Pattern STEPS = Pattern.compile("^integrated_gradients_steps_(\\d+)$");
    private static final Pattern NOISE = Pattern.compile(
            "^(smoothgrad|vargrad)(?:_noise_(\\d+(?:_\\d+)?))?(?:_samples_(\\d+))?$");
    private static final List<String> LEGACY = loadLegacyNames();

    private MethodNames() {
    }

    /** The 207 legacy method names, in METHODS.md order. */
    public static List<String> legacyNames() {
        return LEGACY;
    }

    /** A short note of the parameters a legacy name reads, for listings. */
    public static String parameterHint(String name) {
        String pad = " ".repeat(Math.max(1, 42 - name.length()));
        if (name.startsWith("integrated_gradients")) {
            return pad + "steps=50, reference_inputs=0";
        }
        if (name.startsWith("smoothgrad") || name.startsWith("vargrad")) {
            return pad + "augment_by_n=50, noise_scale=0.2, seed=0" + (name.contains("_mu") ? ", mu" : "");
        }
        if (name.startsWith("grad_cam")) {
            return pad + "layer_name (default: first ReLU after the last convolution)";
        }
        if (name.startsWith("guided_grad_cam_")) {
            return pad + "layer_name (default: the published model's layer; pass yours)";
        }
        if (name.startsWith("deeplift")) {
            return pad + "reference_inputs=0 (Rescale rule)";
        }
        if (name.equals("random_uniform")) {
            return pad + "seed=1 (numpy MT19937)";
        }
        if (name.endsWith("_x_sign_mu") || name.endsWith("_x_sign_mu_wrapper")) {
            return pad + "mu=0.0";
        }
        if (name.equals("lrp_epsilon_wrapper")) {
            return pad + "epsilon=0.1";
        }
        if (name.startsWith("lrp_gamma")) {
            return pad + "gamma=0.5";
        }
        return "";
    }

    public static MethodSpec parse(String name, MethodParams params) throws ExplainException {
        if (name == null || name.isBlank()) {
            throw unknown(String.valueOf(name));
        }
        String n = name.trim();
        // Suffixes are peeled from the end; the longer forms first so that _x_input_x_sign is not read as _x_sign.
        Matcher m;
        if ((m = INPUT_SIGN_MU.matcher(n)).matches()) {
            return base(name, m.group(1), new Modifier.XInputXSignMu(number(m, 2)), params);
        }
        if ((m = SIGN_MU.matcher(n)).matches()) {
            return base(name, m.group(1), new Modifier.XSignMu(number(m, 2)), params);
        }
        if (n.endsWith("_x_sign_mu_wrapper") || n.endsWith("_x_sign_mu")) {
            String stem = n.substring(0, n.lastIndexOf("_x_sign_mu"));
            return base(name, stem, new Modifier.XSignMu(params.number("mu", 0.0)), params);
        }
        if (n.endsWith("_x_input_x_sign")) {
            return base(name, strip(n, "_x_input_x_sign"), new Modifier.XInputXSign(), params);
        }
        if (n.endsWith("_x_input")) {
            return base(name, strip(n, "_x_input"), new Modifier.XInput(), params);
        }
        if (n.endsWith("_x_sign")) {
            return base(name, strip(n, "_x_sign"), new Modifier.XSign(), params);
        }
        return base(name, n, new Modifier.None(), params);
    }

    private static MethodSpec base(String name, String stem, Modifier modifier, MethodParams params)
            throws ExplainException {
        String s = stem.toLowerCase(Locale.ROOT);
        switch (s) {
            case "gradient":
            case "gradients":
            case "vanilla_gradients":
                return spec(name, Family.GRADIENT, modifier, params);
            case "input_t_gradient":
                return spec(name, Family.INPUT_T_GRADIENT, modifier, params);
            case "guided_backprop":
            case "guidedbackprop":
                return spec(name, Family.GUIDED_BACKPROP, modifier, params);
            case "deconvnet":
            case "deconvolution":
                return spec(name, Family.DECONVNET, modifier, params);
            case "integrated_gradients":
            case "integratedgradients":
                return spec(name, Family.INTEGRATED_GRADIENTS, modifier, params);
            case "grad_cam":
            case "gradcam":
                return spec(name, Family.GRAD_CAM, modifier, params);
            case "grad_cam_timeseries":
                return spec(name, Family.GRAD_CAM_TIMESERIES, modifier, params);
            case "grad_cam_mnistcnn":
                return spec(name, Family.GRAD_CAM, modifier, params.withDefault("layer_name", "conv2d_1"));
            case "grad_cam_vgg16ilsvrc":
                return spec(name, Family.GRAD_CAM, modifier, params.withDefault("layer_name", "block5_conv3"));
            case "grad_cam_vgg16mitpl365":
                return spec(name, Family.GRAD_CAM, modifier, params.withDefault("layer_name", "relu5_3"));
            case "guided_grad_cam":
                return spec(name, Family.GUIDED_GRAD_CAM, modifier, params);
            case "guided_grad_cam_mnistcnn":
                return spec(name, Family.GUIDED_GRAD_CAM, modifier, params.withDefault("layer_name", "conv2d_1"));
            case "guided_grad_cam_vgg16ilsvrc":
                return spec(name, Family.GUIDED_GRAD_CAM, modifier,
                        params.withDefault("layer_name", "block5_conv3"));
            case "guided_grad_cam_vgg16mitpl365":
                return spec(name, Family.GUIDED_GRAD_CAM, modifier, params.withDefault("layer_name", "relu5_3"));
            case "deeplift":
            case "deeplift_method":
                return spec(name, Family.DEEPLIFT, modifier, params);
            case "random_uniform":
                return spec(name, Family.RANDOM_UNIFORM, modifier, params);
            default:
                break;
        }
        Matcher m = STEPS.matcher(s);
        if (m.matches()) {
            return spec(name, Family.INTEGRATED_GRADIENTS, modifier, params.withDefault("steps", m.group(1)));
        }
        m = NOISE.matcher(s);
        if (m.matches()) {
            MethodParams p = params;
            if (m.group(2) != null) {
                p = p.withDefault("noise_scale", m.group(2).replace('_', '.'));
            }
            if (m.group(3) != null) {
                p = p.withDefault("augment_by_n", m.group(3));
            }
            return spec(name, m.group(1).equals("smoothgrad") ? Family.SMOOTHGRAD : Family.VARGRAD, modifier, p);
        }
        Optional<LrpComposite> lrp = LrpMethods.parse(stem, params);
        if (lrp.isPresent()) {
            return new MethodSpec(name, Family.LRP, modifier, params, lrp.get());
        }
        throw unknown(name);
    }

    private static MethodSpec spec(String name, Family family, Modifier modifier, MethodParams params) {
        return new MethodSpec(name, family, modifier, params, null);
    }

    private static String strip(String n, String suffix) {
        return n.substring(0, n.length() - suffix.length());
    }

    private static double number(Matcher m, int group) {
        boolean negative = m.group(group) != null;
        String whole = m.group(group + 1);
        String frac = m.group(group + 2);
        double v = Double.parseDouble(frac == null ? whole : whole + "." + frac);
        return negative ? -v : v;
    }

    /** An UNKNOWN_METHOD error listing the closest valid names. */
    public static ExplainException unknown(String name) {
        List<String> close = closest(name, 5);
        return new ExplainException(ExplainException.Kind.UNKNOWN_METHOD,
                "unknown method '" + name + "'; closest valid names: " + String.join(", ", close)
                        + " (`signstream methods` lists all)");
    }

    static List<String> closest(String name, int count) {
        List<String> all = new ArrayList<>(LEGACY);
        String target = name.toLowerCase(Locale.ROOT);
        all.sort(Comparator.comparingInt((String c) -> distance(target, c.toLowerCase(Locale.ROOT)))
                .thenComparing(c -> c));
        return all.subList(0, Math.min(count, all.size()));
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static List<String> loadLegacyNames() {
        try (var in = MethodNames.class.getResourceAsStream("legacy-method-names.txt")) {
            if (in == null) {
                throw new IllegalStateException("legacy-method-names.txt missing from the engine jar");
            }
            return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines()
                    .map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
