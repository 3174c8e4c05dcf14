package io.signstream.engine.exec;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import io.signstream.engine.backend.Backend;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.Node;
import io.signstream.engine.graph.Weights;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * A graph whose constants live on one backend: every {@link Weights} is copied to the engine once and reused by
 * every forward and reverse pass. Not thread-safe for concurrent first use; callers share it after construction
 * or synchronise.
 *
 * <pre>{@code
 * try (BoundGraph model = new BoundGraph(graph, backend)) {
 *     Activations acts = ForwardPass.run(model, x);
 * }
 * }</pre>
 */
public final class BoundGraph implements AutoCloseable {

    private final Graph graph;
    private final Backend backend;
    private final NDManager manager;
    private final Map<Weights, NDArray> arrays = new IdentityHashMap<>();
    private final Map<Weights, NDArray> transposed = new IdentityHashMap<>();
    private final Map<Weights, NDArray[]> batchNorms = new IdentityHashMap<>();
    private final Map<Weights, Map<Object, NDArray>> derived = new IdentityHashMap<>();
    private final Map<String, Node> reluBeforeMaxPool;
    private final Set<String> pairedRelus;

    public BoundGraph(Graph graph, Backend backend) {
        this.graph = graph;
        this.backend = backend;
        this.manager = backend.newManager();
        this.reluBeforeMaxPool = ReluBeforeMaxPool.pairs(graph);
        this.pairedRelus = reluBeforeMaxPool.values().stream().map(Node::name).collect(Collectors.toUnmodifiableSet());
    }

    public Graph graph() {
        return graph;
    }

    public Backend backend() {
        return backend;
    }

    /** Max-pool node name → the ReLU it alone reads ({@link ReluBeforeMaxPool}). */
    Map<String, Node> reluBeforeMaxPool() {
        return reluBeforeMaxPool;
    }

    /** The ReLU nodes of {@link #reluBeforeMaxPool()}. */
    Set<String> pairedRelus() {
        return pairedRelus;
    }

    /** The constant as an array on this backend (null for a null constant, e.g. a missing bias). */
    public synchronized NDArray array(Weights w) {
        if (w == null) {
            return null;
        }
        return arrays.computeIfAbsent(w, k -> kept(manager.create(k.data(), new Shape(k.shape()))));
    }

    /** The transpose of a 2-D constant (Dense kernels are used as x·Wᵀ). */
    public synchronized NDArray transposedArray(Weights w) {
        return transposed.computeIfAbsent(w, k -> kept(array(k).transpose().duplicate()));
    }

    /**
     * A form of a constant computed once and kept while the model is open, e.g. an LRP rule's W⁺ = max(W, 0): it is
     * then the same array on every call, so the engines' own caches of derived kernels (the flipped kernel of a
     * transposed convolution, TensorFlow's filter layout) hit too instead of being rebuilt per call.
     *
     * @param key which form (equal keys, same form), e.g. the rule's parameter modifier
     * @param derive the form from the constant's array ({@link #array}); null (no form) is not kept
     */
    public synchronized NDArray derived(Weights w, Object key, UnaryOperator<NDArray> derive) {
        Map<Object, NDArray> forms = derived.computeIfAbsent(w, k -> new HashMap<>());
        NDArray form = forms.get(key);
        if (form == null) {
            form = derive.apply(array(w));
            if (form == null) {
                return null;
            }
            if (form.getManager() != manager) {
                form.attach(manager); // not the caller's manager, which closes with its explain call
            }
            forms.put(key, kept(form));
        }
        return form;
    }

    /**
     * BatchNorm as a per-channel affine map y = a·x + c, computed once per layer: a = scale/√(var+eps),
     * c = bias − mean·a, both shaped to broadcast over axis 1 of a tensor of the given rank.
     */
    public synchronized NDArray[] batchNormAffine(io.signstream.engine.graph.Layer.BatchNorm bn, int rank) {
        return batchNorms.computeIfAbsent(bn.scale(), k -> {
            NDArray factor = array(bn.scale()).div(array(bn.variance()).add(bn.epsilon()).sqrt());
            NDArray shift = array(bn.bias()).sub(array(bn.mean()).mul(factor));
            return new NDArray[] {kept(perChannel(factor, rank)), kept(perChannel(shift, rank))};
        });
    }

    /** A constant shaped to broadcast over axis 1 of a tensor of the given rank (per-channel values). */
    public NDArray perChannel(NDArray values, int rank) {
        long[] dims = new long[rank];
        java.util.Arrays.fill(dims, 1);
        dims[1] = values.size();
        return values.reshape(new Shape(dims));
    }

    /**
     * Takes a cached array out of the caller's {@link NDScope}: the cache outlives the explain call that
     * happened to fill it, which closes everything else it created.
     */
    private static NDArray kept(NDArray a) {
        NDScope.unregister(a);
        return a;
    }

    @Override
    public void close() {
        manager.close();
    }
}
