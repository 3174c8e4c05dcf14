package io.signstream.engine.savedmodel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import io.signstream.engine.api.Explainer;
import io.signstream.engine.api.ModelFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.framework.GraphDef;
import org.tensorflow.proto.framework.MetaGraphDef;
import org.tensorflow.proto.framework.NodeDef;
import org.tensorflow.proto.framework.SavedModel;
import org.tensorflow.proto.framework.SignatureDef;
import org.tensorflow.proto.framework.TensorInfo;

/** Every way a SavedModel import can fail ends in one typed, one-line error that says what to do. */
class SavedModelErrorsTest {

    private static final Path LENET = SavedModelTesting.dir(SavedModelTesting.LENET);

    @Test
    void aFolderWithoutSavedModelPb(@TempDir Path tmp) throws IOException {
        Files.createDirectories(tmp.resolve("variables"));
        for (Executable open : new Executable[] {() -> SavedModelImporter.read(tmp), () -> Explainer.open(tmp),
            () -> ModelFormat.of(tmp)}) {
            ExplainException e = assertThrows(ExplainException.class, open::run);
            assertEquals(Kind.MODEL_NOT_FOUND, e.kind());
            assertTrue(e.getMessage().contains("holds no saved_model.pb"), e.getMessage());
            assertOneLine(e);
        }
        assertFalse(SavedModelImporter.isSavedModel(tmp));
    }

    @Test
    void aMissingFolder(@TempDir Path tmp) {
        ExplainException e = assertThrows(ExplainException.class, () -> Explainer.open(tmp.resolve("nothing")));
        assertEquals(Kind.MODEL_NOT_FOUND, e.kind());
        e = assertThrows(ExplainException.class, () -> SavedModelImporter.read(tmp.resolve("nothing")));
        assertEquals(Kind.MODEL_NOT_FOUND, e.kind());
    }

    @Test
    void aTruncatedSavedModelPb(@TempDir Path tmp) throws IOException {
        byte[] bytes = Files.readAllBytes(LENET.resolve("saved_model.pb"));
        Files.write(tmp.resolve("saved_model.pb"), Arrays.copyOf(bytes, bytes.length / 2));
        ExplainException e = assertThrows(ExplainException.class, () -> Explainer.open(tmp));
        assertEquals(Kind.CORRUPT_MODEL, e.kind());
        assertTrue(e.getMessage().contains("is not a valid SavedModel"), e.getMessage());
        assertOneLine(e);
    }

    @Test
    void aSavedModelPbThatIsNoProtobuf(@TempDir Path tmp) throws IOException {
        Files.writeString(tmp.resolve("saved_model.pb"), "this is not a protobuf\n", StandardCharsets.UTF_8);
        ExplainException e = assertThrows(ExplainException.class, () -> SavedModelImporter.read(tmp));
        assertEquals(Kind.CORRUPT_MODEL, e.kind());
        assertTrue(e.getMessage().contains("is not a valid SavedModel"), e.getMessage());
        assertOneLine(e);
    }

    /** The MetaGraphDef edited: serving_default removed, the other signatures kept. */
    @Test
    void noServingSignature(@TempDir Path tmp) throws IOException {
        Path dir = SavedModelTesting.dir(SavedModelTesting.HALF_PLUS_TWO);
        SavedModel.Builder model = SavedModelTesting.read(dir).toBuilder();
        model.getMetaGraphsBuilder(0).removeSignatureDef("serving_default");
        Path edited = SavedModelTesting.copyWith(dir, tmp.resolve("no_serving"), model.build());

        ExplainException e = assertThrows(ExplainException.class, () -> SavedModelImporter.read(edited));
        assertEquals(Kind.UNSUPPORTED_MODEL, e.kind());
        assertTrue(e.getMessage().contains("has no serving signature 'serving_default'"), e.getMessage());
        assertTrue(e.getMessage().contains("classify_x_to_y, regress_x2_to_y3, regress_x_to_y, regress_x_to_y2"),
                "lists the signatures there are: " + e.getMessage());
        assertOneLine(e);

        SavedModel.Builder lenet = SavedModelTesting.read(LENET).toBuilder();
        lenet.getMetaGraphsBuilder(0).clearSignatureDef();
        Path bare = SavedModelTesting.copyWith(LENET, tmp.resolve("bare"), lenet.build());
        e = assertThrows(ExplainException.class, () -> SavedModelImporter.read(bare));
        assertTrue(e.getMessage().contains("(signatures: none)"), e.getMessage());
    }

    @Test
    void aServingSignatureThatTakesStrings(@TempDir Path tmp) {
        Path dir = SavedModelTesting.dir(SavedModelTesting.HALF_PLUS_TWO);
        SavedModel.Builder model = SavedModelTesting.read(dir).toBuilder();
        MetaGraphDef.Builder meta = model.getMetaGraphsBuilder(0);
        meta.putSignatureDef("serving_default", meta.getSignatureDefOrThrow("classify_x_to_y"));
        Path edited = SavedModelTesting.copyWith(dir, tmp.resolve("strings"), model.build());
        ExplainException e = assertThrows(ExplainException.class, () -> SavedModelImporter.read(edited));
        assertEquals(Kind.UNSUPPORTED_MODEL, e.kind());
        assertTrue(e.getMessage().contains("has type DT_STRING; only float inputs can be explained"),
                e.getMessage());
    }

    /** Every op type the graph cannot represent is named in one message, with a node that uses it. */
    @Test
    void unsupportedOpsAreListed(@TempDir Path tmp) {
        SavedModel.Builder model = SavedModelTesting.read(LENET).toBuilder();
        GraphDef.Builder graph = model.getMetaGraphsBuilder(0).getGraphDefBuilder();
        for (NodeDef.Builder n : graph.getNodeBuilderList()) {
            if (n.getName().equals("MyConv2D_1")) {
                n.setOp("Relu6");
            } else if (n.getName().equals("MyDense_1")) {
                n.setOp("Elu");
            }
        }
        Path edited = SavedModelTesting.copyWith(LENET, tmp.resolve("relu6"), model.build());
        ExplainException e = assertThrows(ExplainException.class, () -> SavedModelImporter.read(edited));
        assertEquals(Kind.UNSUPPORTED_MODEL, e.kind());
        assertTrue(e.getMessage().contains("uses TensorFlow ops that cannot be explained: Elu (e.g. 'MyDense_1'), "
                + "Relu6 (e.g. 'MyConv2D_1')"), e.getMessage());
        assertOneLine(e);
    }

    /**
     * A serving output that reads the asset path (the TF2 half_plus_two with an edited output): the asset cannot
     * be imported, and the message says DJL 0.28 cannot run such models either.
     */
    @Test
    void aServingComputationThatReadsAnAsset(@TempDir Path tmp) {
        Path dir = SavedModelTesting.dir(SavedModelTesting.HALF_PLUS_TWO_TF2);
        SavedModel.Builder model = SavedModelTesting.read(dir).toBuilder();
        MetaGraphDef.Builder meta = model.getMetaGraphsBuilder(0);
        meta.getGraphDefBuilder().addNode(NodeDef.newBuilder().setName("with_asset").setOp("AddV2")
                .addInput("StatefulPartitionedCall_5").addInput("asset_path_initializer"));
        SignatureDef serving = meta.getSignatureDefOrThrow("serving_default");
        meta.putSignatureDef("serving_default", serving.toBuilder().putOutputs("y", TensorInfo.newBuilder(
                serving.getOutputsOrThrow("y")).setName("with_asset:0").build()).build());
        Path edited = SavedModelTesting.copyWith(dir, tmp.resolve("asset"), model.build());

        ExplainException e = assertThrows(ExplainException.class, () -> SavedModelImporter.read(edited));
        assertEquals(Kind.UNSUPPORTED_MODEL, e.kind());
        assertTrue(e.getMessage().contains("asset_path_initializer"), e.getMessage());
        assertTrue(e.getMessage().contains("DJL 0.28's TensorFlow engine cannot run TF2 SavedModels with asset "
                + "initialisers"), e.getMessage());
        assertOneLine(e);
    }

    @Test
    void variablesMissing(@TempDir Path tmp) throws IOException {
        Files.copy(LENET.resolve("saved_model.pb"), tmp.resolve("saved_model.pb"));
        ExplainException e = assertThrows(ExplainException.class, () -> SavedModelImporter.read(tmp));
        assertEquals(Kind.CORRUPT_MODEL, e.kind());
        assertTrue(e.getMessage().contains("variables.index is missing"), e.getMessage());
    }

    @Test
    void aDamagedCheckpointIndex(@TempDir Path tmp) throws IOException {
        Path copy = SavedModelTesting.copyWith(LENET, tmp.resolve("lenet"), SavedModelTesting.read(LENET));
        Path index = copy.resolve("variables/variables.index");
        byte[] bytes = Files.readAllBytes(index);
        Files.write(index, Arrays.copyOf(bytes, bytes.length - 10));
        ExplainException e = assertThrows(ExplainException.class, () -> SavedModelImporter.read(copy));
        assertEquals(Kind.CORRUPT_MODEL, e.kind());
        assertTrue(e.getMessage().contains("is not a valid checkpoint index"), e.getMessage());
    }

    private static void assertOneLine(ExplainException e) {
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    private interface Executable {
        void run() throws Exception;
    }
}
