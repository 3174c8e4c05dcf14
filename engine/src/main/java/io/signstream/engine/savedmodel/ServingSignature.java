package io.signstream.engine.savedmodel;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import java.util.Map;
import java.util.TreeMap;
import org.tensorflow.proto.framework.DataType;
import org.tensorflow.proto.framework.MetaGraphDef;
import org.tensorflow.proto.framework.NodeDef;
import org.tensorflow.proto.framework.SignatureDef;
import org.tensorflow.proto.framework.TensorInfo;
import org.tensorflow.proto.framework.TensorShapeProto;

/**
 * The serving signature of a SavedModel: which tensor is fed and which one is explained, and the input's shape.
 *
 * <p>Only {@code serving_default} is read. Why no fallback to another signature: a SavedModel may export several
 * unrelated computations (TensorFlow Serving's test models hold regressors and classifiers side by side), and
 * picking one silently could explain the wrong model.
 *
 * @param key the signature key
 * @param inputTensor e.g. {@code serving_default_x:0}
 * @param outputTensor e.g. {@code StatefulPartitionedCall:0}
 * @param inputShape batch first; axis 0 is -1 (any batch size). A scalar input reads as a batch of scalars,
 *     {@code [-1]}: such a model computes element-wise, so a batch computes each sample alone.
 */
record ServingSignature(String key, String inputTensor, String outputTensor, long[] inputShape) {

    static final String SERVING_DEFAULT = "serving_default";

    static ServingSignature of(MetaGraphDef meta, String modelName) throws ExplainException {
        Map<String, SignatureDef> all = new TreeMap<>(meta.getSignatureDefMap());
        all.remove("__saved_model_init_op"); // not a computation: TF2's initialiser hook
        SignatureDef sig = all.get(SERVING_DEFAULT);
        if (sig == null) {
            throw new ExplainException(Kind.UNSUPPORTED_MODEL, modelName + " has no serving signature '"
                    + SERVING_DEFAULT + "' (signatures: " + (all.isEmpty() ? "none" : String.join(", ", all.keySet()))
                    + "); export it with signatures={'serving_default': ...} so the model to explain is unambiguous");
        }
        TensorInfo in = single(sig.getInputsMap(), "input", modelName);
        TensorInfo out = single(sig.getOutputsMap(), "output", modelName);
        if (in.getDtype() != DataType.DT_FLOAT) {
            throw new ExplainException(Kind.UNSUPPORTED_MODEL, modelName + ": the serving input '" + in.getName()
                    + "' has type " + in.getDtype() + "; only float inputs can be explained");
        }
        if (out.getDtype() != DataType.DT_FLOAT) {
            throw new ExplainException(Kind.UNSUPPORTED_MODEL, modelName + ": the serving output '"
                    + out.getName() + "' has type " + out.getDtype() + "; only float outputs can be explained");
        }
        return new ServingSignature(SERVING_DEFAULT, in.getName(), out.getName(), inputShape(meta, in, modelName));
    }

    String inputNode() {
        return TfRef.graph(inputTensor).node();
    }

    private static TensorInfo single(Map<String, TensorInfo> map, String what, String modelName)
            throws ExplainException {
        if (map.size() != 1) {
            throw new ExplainException(Kind.UNSUPPORTED_MODEL, modelName + ": the serving signature has "
                    + map.size() + " " + what + "s (" + String.join(", ", new TreeMap<>(map).keySet())
                    + "); only models with one input and one output can be explained");
        }
        TensorInfo info = map.values().iterator().next();
        if (info.getName().isEmpty()) {
            throw new ExplainException(Kind.UNSUPPORTED_MODEL, modelName + ": the serving " + what
                    + " is a composite tensor (sparse or ragged); only dense tensors can be explained");
        }
        return info;
    }

    /** The declared shape, from the signature or else from the placeholder; every axis but the batch fixed. */
    private static long[] inputShape(MetaGraphDef meta, TensorInfo in, String modelName) throws ExplainException {
        TensorShapeProto shape = in.getTensorShape();
        if (!in.hasTensorShape() || shape.getUnknownRank()) {
            String node = TfRef.graph(in.getName()).node();
            shape = meta.getGraphDef().getNodeList().stream().filter(n -> n.getName().equals(node)).findFirst()
                    .filter(n -> n.containsAttr("shape")).map(NodeDef::getAttrMap).map(a -> a.get("shape").getShape())
                    .orElse(TensorShapeProto.newBuilder().setUnknownRank(true).build());
        }
        if (shape.getUnknownRank()) {
            throw new ExplainException(Kind.UNSUPPORTED_MODEL, modelName + ": the serving input '" + in.getName()
                    + "' has no declared shape");
        }
        if (shape.getDimCount() == 0) {
            return new long[] {-1};
        }
        long[] dims = new long[shape.getDimCount()];
        dims[0] = -1;
        for (int i = 1; i < dims.length; i++) {
            dims[i] = shape.getDim(i).getSize();
            if (dims[i] <= 0) {
                throw new ExplainException(Kind.UNSUPPORTED_MODEL, modelName + ": axis " + i + " of the serving input '"
                        + in.getName() + "' has no fixed length; only the batch axis may vary");
            }
        }
        return dims;
    }
}
