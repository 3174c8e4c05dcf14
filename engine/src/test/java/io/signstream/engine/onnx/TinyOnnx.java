package io.signstream.engine.onnx;

import com.google.protobuf.ByteString;
import io.signstream.engine.onnx.proto.OnnxProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Builds small ONNX models in tests with the generated protobuf classes (no onnx package is needed).
 *
 * <pre>{@code
 * byte[] model = new TinyOnnx().input("x", -1, 3).output("y")
 *         .floats("w", new long[] {2, 3}, 1, 2, 3, 4, 5, 6)
 *         .node("Gemm", "fc", List.of("x", "w"), "y", TinyOnnx.intAttr("transB", 1))
 *         .bytes();
 * }</pre>
 */
final class TinyOnnx {

    private final OnnxProto.Graph.Builder graph = OnnxProto.Graph.newBuilder().setName("tiny");
    private long opset = 13;

    /** A float input; -1 marks the dynamic batch axis. */
    TinyOnnx input(String name, long... dims) {
        OnnxProto.Shape.Builder shape = OnnxProto.Shape.newBuilder();
        for (long d : dims) {
            shape.addDim(d < 0 ? OnnxProto.Shape.Dim.newBuilder().setDimParam("batch")
                    : OnnxProto.Shape.Dim.newBuilder().setDimValue(d));
        }
        graph.addInput(OnnxProto.ValueInfo.newBuilder().setName(name).setType(OnnxProto.TypeInfo.newBuilder()
                .setTensorType(OnnxProto.TypeInfo.TensorType.newBuilder().setElemType(1).setShape(shape))));
        return this;
    }

    TinyOnnx output(String name) {
        graph.addOutput(OnnxProto.ValueInfo.newBuilder().setName(name));
        return this;
    }

    TinyOnnx opset(long version) {
        this.opset = version;
        return this;
    }

    /** A float initializer stored as little-endian raw_data, as PyTorch writes it. */
    TinyOnnx floats(String name, long[] shape, float... values) {
        graph.addInitializer(floatTensor(name, shape, values));
        return this;
    }

    /** A float initializer stored in float_data, as some other exporters write it. */
    TinyOnnx floatData(String name, long[] shape, float... values) {
        OnnxProto.Tensor.Builder t = OnnxProto.Tensor.newBuilder().setName(name).setDataType(1);
        Arrays.stream(shape).forEach(t::addDims);
        for (float v : values) {
            t.addFloatData(v);
        }
        graph.addInitializer(t);
        return this;
    }

    /** A 1-D int64 initializer (shapes, pads, axes). */
    TinyOnnx longs(String name, long... values) {
        OnnxProto.Tensor.Builder t = OnnxProto.Tensor.newBuilder().setName(name).setDataType(7)
                .addDims(values.length);
        for (long v : values) {
            t.addInt64Data(v);
        }
        graph.addInitializer(t);
        return this;
    }

    TinyOnnx node(String op, String name, List<String> inputs, String output, OnnxProto.Attribute... attrs) {
        return node(op, name, inputs, List.of(output), attrs);
    }

    TinyOnnx node(String op, String name, List<String> inputs, List<String> outputs,
            OnnxProto.Attribute... attrs) {
        graph.addNode(OnnxProto.Node.newBuilder().setOpType(op).setName(name).addAllInput(inputs)
                .addAllOutput(outputs).addAllAttribute(Arrays.asList(attrs)));
        return this;
    }

    OnnxProto.Model model() {
        return OnnxProto.Model.newBuilder().setIrVersion(7).setProducerName("test").setGraph(graph)
                .addOpsetImport(OnnxProto.OpsetId.newBuilder().setVersion(opset)).build();
    }

    /** The model with a scalar (rank-0) int64 initializer added, as exporters write Gather indices. */
    byte[] bytesWithScalar(String name, long value) {
        graph.addInitializer(OnnxProto.Tensor.newBuilder().setName(name).setDataType(7).addInt64Data(value));
        return bytes();
    }

    byte[] bytes() {
        return model().toByteArray();
    }

    static OnnxProto.Tensor floatTensor(String name, long[] shape, float... values) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            raw.putFloat(v);
        }
        OnnxProto.Tensor.Builder t = OnnxProto.Tensor.newBuilder().setName(name).setDataType(1)
                .setRawData(ByteString.copyFrom(raw.array()));
        Arrays.stream(shape).forEach(t::addDims);
        return t.build();
    }

    static OnnxProto.Attribute intAttr(String name, long value) {
        return OnnxProto.Attribute.newBuilder().setName(name).setType(2).setI(value).build();
    }

    static OnnxProto.Attribute floatAttr(String name, float value) {
        return OnnxProto.Attribute.newBuilder().setName(name).setType(1).setF(value).build();
    }

    static OnnxProto.Attribute intsAttr(String name, long... values) {
        OnnxProto.Attribute.Builder a = OnnxProto.Attribute.newBuilder().setName(name).setType(7);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    static OnnxProto.Attribute stringAttr(String name, String value) {
        return OnnxProto.Attribute.newBuilder().setName(name).setType(3)
                .setS(ByteString.copyFrom(value, StandardCharsets.UTF_8)).build();
    }

    static OnnxProto.Attribute tensorAttr(String name, OnnxProto.Tensor value) {
        return OnnxProto.Attribute.newBuilder().setName(name).setType(4).setT(value).build();
    }
}
