package io.signstream.engine.savedmodel;

import io.signstream.engine.api.ExplainException;

/** How one TensorFlow op type is imported: into graph nodes, or folded into a constant. */
@FunctionalInterface
interface OpRule {

    /**
     * @return what the op's (first) output stands for
     */
    TfValue apply(TfOp op, ImportState state) throws ExplainException;
}
