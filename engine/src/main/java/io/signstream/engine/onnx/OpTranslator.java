package io.signstream.engine.onnx;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.onnx.proto.OnnxProto;

/** Translates one ONNX node: emits graph nodes or binds its output to a constant through the context. */
@FunctionalInterface
interface OpTranslator {
    void translate(OnnxProto.Node node, ImportContext ctx) throws ExplainException;
}
