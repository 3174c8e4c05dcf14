package io.signstream.engine.onnx;

import io.signstream.engine.graph.Layer;
import java.util.List;

/**
 * A translated node before naming: it is known by the ONNX name of the tensor it produces (unique in an ONNX
 * graph) and keeps the ONNX node name and op type from which {@link OnnxNodeNames} derives its final name.
 */
record PendingNode(String id, Layer layer, List<String> inputs, String onnxName, String opType) {
}
