#!/usr/bin/python3
"""Writes engine/src/test/resources/unsupported/lrn_cnn.onnx: a tiny CNN with an op no importer supports.

Run from the repository root with Debian's onnx (nothing at test time):

    /usr/bin/python3 engine/src/test/python/make_unsupported_op_model.py

input (N, 1, 16, 16) (the digits_cnn fixture's input fits) -> Conv 3x3 (2 channels) -> LRN (AlexNet's local response
normalisation, which SignStream's graph has no layer for) -> Flatten -> Gemm (3 classes). The CLI tests check that
explain, compare and convert fail with one line naming the op and the node, on both engines.
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "unsupported", "lrn_cnn.onnx")


def main():
    rng = np.random.default_rng(7)
    w = numpy_helper.from_array(rng.normal(0, 0.3, (2, 1, 3, 3)).astype(np.float32), "conv.weight")
    b = numpy_helper.from_array(np.zeros(2, np.float32), "conv.bias")
    fw = numpy_helper.from_array(rng.normal(0, 0.1, (3, 2 * 14 * 14)).astype(np.float32), "fc.weight")
    fb = numpy_helper.from_array(np.zeros(3, np.float32), "fc.bias")
    nodes = [
        helper.make_node("Conv", ["input", "conv.weight", "conv.bias"], ["c"], name="conv", kernel_shape=[3, 3]),
        helper.make_node("LRN", ["c"], ["n"], name="norm", size=3, alpha=1e-4, beta=0.75, bias=1.0),
        helper.make_node("Flatten", ["n"], ["f"], name="flatten", axis=1),
        helper.make_node("Gemm", ["f", "fc.weight", "fc.bias"], ["logits"], name="fc", transB=1),
    ]
    graph = helper.make_graph(nodes, "lrn_cnn",
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 1, 16, 16])],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 3])],
                              initializer=[w, b, fw, fb])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="signstream-tests")
    model.ir_version = 7
    onnx.checker.check_model(model)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    onnx.save(model, OUT)
    print(OUT, os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
