package io.signstream.engine.savedmodel;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.tensorflow.proto.framework.AttrValue;
import org.tensorflow.proto.framework.DataType;
import org.tensorflow.proto.framework.FunctionDef;
import org.tensorflow.proto.framework.GraphDef;
import org.tensorflow.proto.framework.MetaGraphDef;
import org.tensorflow.proto.framework.NameAttrList;
import org.tensorflow.proto.framework.NodeDef;
import org.tensorflow.proto.framework.SavedModel;
import org.tensorflow.proto.framework.SignatureDef;
import org.tensorflow.proto.framework.TensorInfo;
import org.tensorflow.proto.framework.TensorProto;
import org.tensorflow.proto.framework.TensorShapeProto;
import org.tensorflow.proto.framework.VersionDef;

/**
 * Builds small frozen-graph SavedModels (weights as Const nodes, no checkpoint) op by op, so that op semantics
 * can be checked against TensorFlow itself: DJL's TensorFlow engine runs the written SavedModel.
 *
 * <pre>{@code
 * TinyGraph g = new TinyGraph(1);
 * String x = g.input(-1, 8, 8, 3);
 * String y = g.add(TinyGraph.op("relu", "Relu", x));
 * Path dir = g.write(tmp, y);
 * }</pre>
 */
final class TinyGraph {

    /** TensorFlow 2.10's graph producer version: no legacy op upgrades apply. */
    private static final int PRODUCER = 1205;

    private final GraphDef.Builder graph = GraphDef.newBuilder()
            .setVersions(VersionDef.newBuilder().setProducer(PRODUCER));
    private final Random random;
    private long[] inputShape;

    TinyGraph(long seed) {
        this.random = new Random(seed);
    }

    /** The float placeholder {@code x}, batch axis first (-1). */
    String input(long... shape) {
        inputShape = shape.clone();
        graph.addNode(NodeDef.newBuilder().setName("x").setOp("Placeholder").putAttr("dtype", type(DataType.DT_FLOAT))
                .putAttr("shape", AttrValue.newBuilder().setShape(shape(shape)).build()));
        return "x";
    }

    /** A float Const of normally distributed values times {@code scale}. */
    String weights(String name, double scale, long... shape) {
        float[] v = new float[(int) count(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (random.nextGaussian() * scale);
        }
        return constant(name, v, shape);
    }

    String constant(String name, float[] values, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : values) {
            b.putFloat(f);
        }
        return constant(name, DataType.DT_FLOAT, b.array(), shape);
    }

    String ints(String name, int[] values, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int i : values) {
            b.putInt(i);
        }
        return constant(name, DataType.DT_INT32, b.array(), shape);
    }

    private String constant(String name, DataType dtype, byte[] content, long... shape) {
        TensorProto t = TensorProto.newBuilder().setDtype(dtype).setTensorShape(shape(shape))
                .setTensorContent(ByteString.copyFrom(content)).build();
        graph.addNode(NodeDef.newBuilder().setName(name).setOp("Const").putAttr("dtype", type(dtype))
                .putAttr("value", AttrValue.newBuilder().setTensor(t).build()));
        return name;
    }

    /** The node added last (to reuse a Const made here inside a function body). */
    NodeDef lastNode() {
        return graph.getNode(graph.getNodeCount() - 1);
    }

    /** Adds a node and returns its name; {@code node} carries op, inputs and attributes. */
    String add(NodeDef.Builder node) {
        graph.addNode(node);
        return node.getName();
    }

    /** A node builder with {@code T = float}. */
    static NodeDef.Builder op(String name, String op, String... inputs) {
        NodeDef.Builder b = NodeDef.newBuilder().setName(name).setOp(op).putAttr("T", type(DataType.DT_FLOAT));
        for (String in : inputs) {
            b.addInput(in);
        }
        return b;
    }

    void addFunction(FunctionDef fn) {
        graph.getLibraryBuilder().addFunction(fn);
    }

    /** Writes {@code saved_model.pb} with a {@code serving_default} signature x:0 → {@code output}. */
    Path write(Path dir, String output) {
        SignatureDef sig = SignatureDef.newBuilder().setMethodName("tensorflow/serving/predict")
                .putInputs("x", TensorInfo.newBuilder().setName("x:0").setDtype(DataType.DT_FLOAT)
                        .setTensorShape(shape(inputShape)).build())
                .putOutputs("y", TensorInfo.newBuilder().setName(output.contains(":") ? output : output + ":0")
                        .setDtype(DataType.DT_FLOAT).build())
                .build();
        MetaGraphDef meta = MetaGraphDef.newBuilder()
                .setMetaInfoDef(MetaGraphDef.MetaInfoDef.newBuilder().addTags("serve"))
                .setGraphDef(graph).putSignatureDef("serving_default", sig).build();
        SavedModel model = SavedModel.newBuilder().setSavedModelSchemaVersion(1).addMetaGraphs(meta).build();
        try {
            Files.createDirectories(dir);
            Files.write(dir.resolve("saved_model.pb"), model.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    float[] randomInput(int batch) {
        long n = batch;
        for (int i = 1; i < inputShape.length; i++) {
            n *= inputShape[i];
        }
        float[] x = new float[(int) n];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }

    long[] inputShape(int batch) {
        long[] s = inputShape.clone();
        s[0] = batch;
        return s;
    }

    static AttrValue type(DataType t) {
        return AttrValue.newBuilder().setType(t).build();
    }

    static AttrValue types(DataType... t) {
        AttrValue.ListValue.Builder l = AttrValue.ListValue.newBuilder();
        for (DataType d : t) {
            l.addType(d);
        }
        return AttrValue.newBuilder().setList(l).build();
    }

    static AttrValue ints(long... v) {
        AttrValue.ListValue.Builder l = AttrValue.ListValue.newBuilder();
        for (long i : v) {
            l.addI(i);
        }
        return AttrValue.newBuilder().setList(l).build();
    }

    static AttrValue str(String s) {
        return AttrValue.newBuilder().setS(ByteString.copyFromUtf8(s)).build();
    }

    static AttrValue f(float v) {
        return AttrValue.newBuilder().setF(v).build();
    }

    static AttrValue b(boolean v) {
        return AttrValue.newBuilder().setB(v).build();
    }

    static AttrValue i(long v) {
        return AttrValue.newBuilder().setI(v).build();
    }

    static AttrValue func(String name) {
        return AttrValue.newBuilder().setFunc(NameAttrList.newBuilder().setName(name)).build();
    }

    private static TensorShapeProto shape(long... dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (long d : dims) {
            s.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
        }
        return s.build();
    }

    private static long count(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }
}
