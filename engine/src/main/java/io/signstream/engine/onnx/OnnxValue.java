package io.signstream.engine.onnx;

/**
 * What an ONNX tensor name stands for during import: either a value computed from the model input (a node of
 * the SignStream graph) or a constant known at import time (initializers, Constant nodes and folded shape
 * computations). The split is what lets the importer fold PyTorch's shape arithmetic away.
 */
sealed interface OnnxValue permits GraphTensor, OnnxConstant {
}
