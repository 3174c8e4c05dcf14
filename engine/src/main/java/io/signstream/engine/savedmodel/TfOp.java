package io.signstream.engine.savedmodel;

import java.util.List;
import org.tensorflow.proto.framework.NodeDef;

/**
 * A TensorFlow op of the serving computation after function calls are inlined: its unique id (the node name,
 * prefixed with the call nodes it was inlined through), its definition and its data inputs.
 *
 * @param id unique id, e.g. {@code StatefulPartitionedCall/sequential/dense/MatMul}
 * @param def the node definition (op type and attributes)
 * @param inputs the data inputs, resolved to the ops that produce them
 * @param modelInput true for the tensor the serving signature feeds
 */
record TfOp(String id, NodeDef def, List<TfOutput> inputs, boolean modelInput) {

    String type() {
        return def.getOp();
    }

    /** {@code MatMul 'dense/MatMul'}: how messages name an op. */
    String describe() {
        return type() + " '" + id + "'";
    }

    /** One output of a {@link TfOp}. */
    record TfOutput(TfOp op, int index) {
    }
}
