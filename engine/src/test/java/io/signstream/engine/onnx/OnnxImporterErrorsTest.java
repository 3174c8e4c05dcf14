package io.signstream.engine.onnx;

import static io.signstream.engine.onnx.TinyOnnx.intAttr;
import static io.signstream.engine.onnx.TinyOnnx.intsAttr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import io.signstream.engine.onnx.proto.OnnxProto;
import io.signstream.engine.testing.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad model files and models the graph cannot represent: the right kind and a one-line reason. */
class OnnxImporterErrorsTest {

    @Test
    void missingFileIsModelNotFound(@TempDir Path dir) {
        Path missing = dir.resolve("nope.onnx");
        ExplainException e = assertThrows(ExplainException.class, () -> OnnxImporter.read(missing));
        assertEquals(Kind.MODEL_NOT_FOUND, e.kind());
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void truncatedFileIsCorrupt(@TempDir Path dir) throws IOException {
        byte[] bytes = Files.readAllBytes(Fixtures.model("digits_cnn", "onnx"));
        Path half = dir.resolve("half.onnx");
        Files.write(half, Arrays.copyOf(bytes, bytes.length / 2));

        ExplainException e = assertThrows(ExplainException.class, () -> OnnxImporter.read(half));

        assertCorrupt(e);
        assertTrue(e.getMessage().startsWith("half is not a valid ONNX model"), e.getMessage());
    }

    @Test
    void garbageBytesAreCorrupt() {
        byte[] random = new byte[4096];
        new Random(7).nextBytes(random);
        assertCorrupt(assertThrows(ExplainException.class, () -> OnnxImporter.read(random, "random")));
        byte[] text = "this is a text file, not a model\n".getBytes(StandardCharsets.UTF_8);
        assertCorrupt(assertThrows(ExplainException.class, () -> OnnxImporter.read(text, "text")));
        assertCorrupt(assertThrows(ExplainException.class, () -> OnnxImporter.read(new byte[0], "empty")));
    }

    @Test
    void torchScriptFileIsCorruptWithAHint() {
        ExplainException e = assertThrows(ExplainException.class,
                () -> OnnxImporter.read(Fixtures.model("mlp", "pt")));

        assertCorrupt(e);
        assertTrue(e.getMessage().contains("zip archive"), e.getMessage());
    }

    @Test
    void unsupportedOpNamesTheOpTheNodeTheLayerAndWhatWorksInstead() {
        byte[] model = new TinyOnnx().input("x", -1, 4).output("y")
                .node("Softplus", "/act/Softplus", List.of("x"), "y").bytes();

        ExplainException e = assertThrows(ExplainException.class, () -> OnnxImporter.read(model, "softplus"));

        assertEquals(Kind.UNSUPPORTED_MODEL, e.kind());
        assertTrue(e.getMessage().startsWith("unsupported ONNX op 'Softplus' in node '/act/Softplus', from module "
                + "'act' (nn.Softplus); instead: use ReLU, SiLU or GELU (supported: "), e.getMessage());
        assertTrue(e.getMessage().contains("Conv") && e.getMessage().contains("Gemm"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void opOfAnotherDomainIsUnsupported() {
        OnnxProto.Model m = new TinyOnnx().input("x", -1, 4).output("y")
                .node("Relu", "r", List.of("x"), "y").model();
        OnnxProto.Model custom = m.toBuilder().setGraph(m.getGraph().toBuilder()
                .setNode(0, m.getGraph().getNode(0).toBuilder().setDomain("com.microsoft").setOpType("FusedGelu")))
                .build();

        ExplainException e = assertThrows(ExplainException.class,
                () -> OnnxImporter.read(custom.toByteArray(), "custom"));

        assertEquals(Kind.UNSUPPORTED_MODEL, e.kind());
        assertTrue(e.getMessage().contains("'com.microsoft.FusedGelu' in node 'r'"), e.getMessage());
    }

    @Test
    void gemmWithAComputedWeightIsUnsupported() {
        byte[] model = new TinyOnnx().input("x", -1, 2).output("y")
                .node("Relu", "r", List.of("x"), "h")
                .node("Gemm", "fc", List.of("x", "h"), "y").bytes();

        ExplainException e = assertThrows(ExplainException.class, () -> OnnxImporter.read(model, "gemm"));

        assertEquals(Kind.UNSUPPORTED_MODEL, e.kind());
        assertTrue(e.getMessage().contains("node 'fc' (Gemm)") && e.getMessage().contains("not an initializer"),
                e.getMessage());
    }

    @Test
    void ceilModeAveragePoolingWithAPartialWindowIsUnsupported() {
        // max pooling takes the partial window as −∞ padding; an average would need another divisor there
        byte[] model = new TinyOnnx().input("x", -1, 1, 5, 5).output("y")
                .node("AveragePool", "pool", List.of("x"), "y", intsAttr("kernel_shape", 2, 2),
                        intsAttr("strides", 2, 2), intAttr("ceil_mode", 1)).bytes();

        ExplainException e = assertThrows(ExplainException.class, () -> OnnxImporter.read(model, "ceil"));

        assertEquals(Kind.UNSUPPORTED_MODEL, e.kind());
        assertTrue(e.getMessage().contains("ceil_mode"), e.getMessage());
    }

    @Test
    void logSoftmaxInsideTheModelIsUnsupported() {
        byte[] model = new TinyOnnx().input("x", -1, 3).output("y")
                .node("LogSoftmax", "sm", List.of("x"), "p")
                .node("Relu", "r", List.of("p"), "y").bytes();

        ExplainException e = assertThrows(ExplainException.class, () -> OnnxImporter.read(model, "sm"));

        assertEquals(Kind.UNSUPPORTED_MODEL, e.kind());
        assertTrue(e.getMessage().contains("node 'sm' (LogSoftmax)"), e.getMessage());
    }

    @Test
    void powerOfTwoComputedTensorsIsUnsupported() {
        // products of two computed tensors import (Layer.Multiply); a computed exponent has no layer
        byte[] model = new TinyOnnx().input("x", -1, 3).output("y")
                .node("Relu", "r", List.of("x"), "h")
                .node("Pow", "pow", List.of("x", "h"), "y").bytes();

        ExplainException e = assertThrows(ExplainException.class, () -> OnnxImporter.read(model, "pow"));

        assertEquals(Kind.UNSUPPORTED_MODEL, e.kind());
        assertTrue(e.getMessage().contains("node 'pow' (Pow)") && e.getMessage().contains("exponent"),
                e.getMessage());
    }

    @Test
    void readingAnUndefinedTensorIsCorrupt() {
        byte[] model = new TinyOnnx().input("x", -1, 3).output("y")
                .node("Add", "a", List.of("x", "ghost"), "y").bytes();

        ExplainException e = assertThrows(ExplainException.class, () -> OnnxImporter.read(model, "ghost"));

        assertCorrupt(e);
        assertTrue(e.getMessage().contains("'ghost'"), e.getMessage());
    }

    @Test
    void initializerWithTooFewBytesIsCorrupt() {
        OnnxProto.Tensor bad = TinyOnnx.floatTensor("w", new long[] {2, 3}, 1, 2, 3, 4, 5, 6).toBuilder()
                .setRawData(ByteString.copyFrom(new byte[10])).build();
        OnnxProto.Model m = new TinyOnnx().input("x", -1, 3).output("y")
                .node("Gemm", "fc", List.of("x", "w"), "y", intAttr("transB", 1)).model();
        byte[] model = m.toBuilder().setGraph(m.getGraph().toBuilder().addInitializer(bad)).build().toByteArray();

        ExplainException e = assertThrows(ExplainException.class, () -> OnnxImporter.read(model, "short"));

        assertCorrupt(e);
        assertTrue(e.getMessage().contains("initializer 'w'"), e.getMessage());
    }

    @Test
    void externalDataIsUnsupported() {
        OnnxProto.Tensor external = OnnxProto.Tensor.newBuilder().setName("w").setDataType(1).addDims(2).addDims(3)
                .setDataLocation(1).build();
        OnnxProto.Model m = new TinyOnnx().input("x", -1, 3).output("y")
                .node("Gemm", "fc", List.of("x", "w"), "y", intAttr("transB", 1)).model();
        byte[] model = m.toBuilder().setGraph(m.getGraph().toBuilder().addInitializer(external)).build()
                .toByteArray();

        ExplainException e = assertThrows(ExplainException.class, () -> OnnxImporter.read(model, "ext"));

        assertEquals(Kind.UNSUPPORTED_MODEL, e.kind());
        assertTrue(e.getMessage().contains("external data"), e.getMessage());
    }

    @Test
    void dynamicNonBatchAxisIsUnsupported() {
        byte[] model = new TinyOnnx().input("x", -1, 1, -1).output("y")
                .node("Relu", "r", List.of("x"), "y").bytes();

        ExplainException e = assertThrows(ExplainException.class, () -> OnnxImporter.read(model, "dyn"));

        assertEquals(Kind.UNSUPPORTED_MODEL, e.kind());
        assertTrue(e.getMessage().contains("only the batch axis may be dynamic"), e.getMessage());
    }

    @Test
    void reshapeMixingTheBatchIsUnsupported() {
        byte[] model = new TinyOnnx().input("x", -1, 2, 3).output("y").longs("s", -1, 3)
                .node("Reshape", "rs", List.of("x", "s"), "y").bytes();

        ExplainException e = assertThrows(ExplainException.class, () -> OnnxImporter.read(model, "mix"));

        assertEquals(Kind.UNSUPPORTED_MODEL, e.kind());
        assertTrue(e.getMessage().contains("node 'rs' (Reshape)"), e.getMessage());
    }

    private static void assertCorrupt(ExplainException e) {
        assertEquals(Kind.CORRUPT_MODEL, e.kind(), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
}
