package io.signstream.engine.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.signstream.engine.backend.Backend;
import io.signstream.engine.backend.Backends;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.graph.ActivationKind;
import io.signstream.engine.graph.ConvSpec;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Node;
import io.signstream.engine.graph.PoolSpec;
import io.signstream.engine.graph.TensorLayout;
import io.signstream.engine.graph.Weights;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The reverse pass crosses a ReLU that only a max pooling reads after the pooling, at the pooled size. The
 * gradient through such pairs is checked against libtorch's autograd in {@code TensorFlowGraphTest} and against
 * the canonical maps; this test pins the cases where the order matters: windows whose positive maximum is tied,
 * windows with no positive value, a ReLU read twice, and a pass that keeps the signal at the ReLU.
 */
class ReluBeforeMaxPoolTest {

    private static final Shape INPUT = new Shape(2, 1, 8, 8);

    @Test
    void findsTheReluThatOnlyThePoolingReads() {
        Map<String, Node> pairs = ReluBeforeMaxPool.pairs(graph(false));
        assertEquals(Set.of("pool"), pairs.keySet());
        assertEquals("relu", pairs.get("pool").name());
        assertTrue(ReluBeforeMaxPool.pairs(graph(true)).isEmpty(), "a ReLU read by a second node is no pair");
    }

    /** Same bits as crossing the two nodes one after the other, for the rules that may reorder them. */
    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void reorderedPassEqualsTheNodeByNodePass(EngineKind engine) {
        float[] x = input();
        try (Backend backend = Backends.open(engine); BoundGraph model = new BoundGraph(graph(false), backend);
                NDManager m = backend.newManager()) {
            Activations acts = ForwardPass.run(model, m.create(x, INPUT));
            assertWindows(acts.get("relu"));
            NDArray seed = m.create(new float[] {1, 0, 0, 0, 1, 0}, new Shape(2, 3));
            List<Propagation> reordered = List.of(new GradientPropagation(), new GuidedBackpropPropagation());
            List<Propagation> nodeByNode = List.of(unpaired(new GradientPropagation()),
                    unpaired(new GuidedBackpropPropagation()));
            for (int i = 0; i < reordered.size(); i++) {
                assertTrue(reordered.get(i).reluRuleMasksNonPositive());
                float[] expected = ReversePass.toInput(model, acts, seed, nodeByNode.get(i)).toFloatArray();
                float[] actual = ReversePass.toInput(model, acts, seed, reordered.get(i)).toFloatArray();
                assertArrayEquals(expected, actual, 0f, engine + " " + reordered.get(i).getClass().getSimpleName());
                assertTrue(nonZero(actual) > 0, "the signal reaches the input");
            }
            // keeping the signal at the ReLU (a Grad-CAM layer) crosses it as its own node
            Map<String, NDArray> kept = ReversePass.run(model, acts, seed, new GradientPropagation(), Set.of("relu"));
            Map<String, NDArray> plain = ReversePass.run(model, acts, seed, unpaired(new GradientPropagation()),
                    Set.of("relu"));
            assertArrayEquals(plain.get("relu").toFloatArray(), kept.get("relu").toFloatArray(), 0f);
        }
    }

    /** The forward pass pools before the ReLU; every value, the ReLU's own included, is the node-by-node one. */
    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void forwardPassKeepsEveryValue(EngineKind engine) {
        try (Backend backend = Backends.open(engine); BoundGraph model = new BoundGraph(graph(false), backend);
                NDManager m = backend.newManager()) {
            NDArray x = m.create(input(), INPUT);
            Activations acts = ForwardPass.run(model, x);
            assertFalse(acts.computed("relu"), "the full-size ReLU is left until asked for");
            Map<String, NDArray> nodeByNode = new java.util.HashMap<>(Map.of("x", x));
            for (Node n : model.graph().nodes()) {
                List<NDArray> in = n.inputs().stream().map(nodeByNode::get).toList();
                nodeByNode.put(n.name(), ForwardPass.apply(model, n.layer(), in));
            }
            for (String name : List.of("pool", "fc", "relu")) {
                assertArrayEquals(nodeByNode.get(name).toFloatArray(), acts.get(name).toFloatArray(), 0f,
                        engine + " " + name);
            }
        }
    }

    /** DeconvNet and the LRP rules pass signal where z ≤ 0: the pass must not reorder for them. */
    @Test
    void rulesThatPassSignalThroughNonPositiveInputsAreNotReordered() throws Exception {
        assertFalse(new DeconvNetPropagation().reluRuleMasksNonPositive());
        assertFalse(io.signstream.engine.method.MethodNames.parse("lrp_epsilon_0_1",
                io.signstream.engine.method.MethodParams.empty()).lrp().reluRuleMasksNonPositive());
    }

    private static GradientPropagation unpaired(GradientPropagation rules) {
        boolean guided = rules instanceof GuidedBackpropPropagation;
        return guided ? new GuidedBackpropPropagation() {
            @Override
            public boolean reluRuleMasksNonPositive() {
                return false;
            }
        } : new GradientPropagation() {
            @Override
            public boolean reluRuleMasksNonPositive() {
                return false;
            }
        };
    }

    /**
     * conv 3×3 pad 1 (channel 0 bias +0.5, channel 1 bias −2) → ReLU → maxpool 2 → flatten → dense(32 → 3); with
     * {@code readTwice} an Identity reads the ReLU too.
     */
    private static Graph graph(boolean readTwice) {
        Random rnd = new Random(11);
        float[] cw = new float[2 * 9];
        for (int i = 0; i < cw.length; i++) {
            cw[i] = (float) (0.3 * rnd.nextGaussian());
        }
        float[] dw = new float[3 * 32];
        for (int i = 0; i < dw.length; i++) {
            dw[i] = (float) rnd.nextGaussian();
        }
        List<Node> nodes = new java.util.ArrayList<>(List.of(
                new Node("conv", new Layer.Conv(new Weights(cw, new long[] {2, 1, 3, 3}),
                        new Weights(new float[] {0.5f, -2f}, new long[] {2}), ConvSpec.simple(2, 1, 1)), "x"),
                new Node("relu", Layer.Activation.of(ActivationKind.RELU), "conv"),
                new Node("pool", new Layer.MaxPool(PoolSpec.square(2, 2)), "relu"),
                new Node("flat", new Layer.Flatten(1), "pool"),
                new Node("fc", new Layer.Dense(new Weights(dw, new long[] {3, 32}), null), "flat")));
        if (readTwice) {
            nodes.add(3, new Node("other", new Layer.Identity("test"), "relu"));
        }
        return new Graph("pairs", "x", new long[] {1, 8, 8}, TensorLayout.NCHW, nodes);
    }

    /** Sample 0: Gaussian noise. Sample 1: zero, with a constant block whose conv outputs tie. */
    private static float[] input() {
        Random rnd = new Random(3);
        float[] x = new float[128];
        for (int i = 0; i < 64; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        for (int h = 1; h < 7; h++) {
            for (int w = 1; w < 7; w++) {
                x[64 + h * 8 + w] = 0.8f;
            }
        }
        return x;
    }

    /** The input must give both kinds of window that decide the order: a tied positive maximum and no positive. */
    private static void assertWindows(NDArray relu) {
        float[] v = relu.toFloatArray();
        int ties = 0;
        int dead = 0;
        for (int nc = 0; nc < 4; nc++) {
            for (int h = 0; h < 8; h += 2) {
                for (int w = 0; w < 8; w += 2) {
                    int b = nc * 64 + h * 8 + w;
                    float[] win = {v[b], v[b + 1], v[b + 8], v[b + 9]};
                    float max = Math.max(Math.max(win[0], win[1]), Math.max(win[2], win[3]));
                    int count = 0;
                    for (float f : win) {
                        count += f == max ? 1 : 0;
                    }
                    ties += max > 0 && count > 1 ? 1 : 0;
                    dead += max == 0 ? 1 : 0;
                }
            }
        }
        assertTrue(ties > 0, "the input must tie a positive maximum in some window");
        assertTrue(dead > 0, "the input must leave some window without a positive value");
    }

    private static int nonZero(float[] v) {
        int n = 0;
        for (float f : v) {
            n += f != 0 ? 1 : 0;
        }
        return n;
    }
}
