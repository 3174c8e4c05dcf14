package io.signstream.engine.savedmodel;

import com.google.protobuf.InvalidProtocolBufferException;
import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.tensorflow.proto.framework.MetaGraphDef;
import org.tensorflow.proto.framework.NodeDef;
import org.tensorflow.proto.framework.SavedModel;

/**
 * A SavedModel folder on disk: {@code saved_model.pb} parsed, the serving MetaGraph chosen, and the checkpoint
 * under {@code variables/} opened on first use (frozen graphs keep their weights in {@code Const} nodes and may
 * ship no checkpoint at all).
 */
final class SavedModelFile {

    static final String PROTO = "saved_model.pb";
    private static final String SERVE_TAG = "serve";

    private final Path dir;
    private final String name;
    private final MetaGraphDef meta;
    private TensorBundle bundle;
    private CheckpointKeys keys;

    private SavedModelFile(Path dir, String name, MetaGraphDef meta) {
        this.dir = dir;
        this.name = name;
        this.meta = meta;
    }

    /**
     * @param dir the SavedModel folder (the one holding {@code saved_model.pb})
     */
    static SavedModelFile open(Path dir) throws ExplainException {
        String name = dir.toAbsolutePath().normalize().getFileName() == null ? dir.toString()
                : dir.toAbsolutePath().normalize().getFileName().toString();
        Path proto = dir.resolve(PROTO);
        if (!Files.isDirectory(dir)) {
            throw new ExplainException(Kind.MODEL_NOT_FOUND, "SavedModel folder not found: " + dir);
        }
        if (!Files.isRegularFile(proto)) {
            String hint = Files.isRegularFile(dir.resolve("saved_model.pbtxt"))
                    ? " (it has saved_model.pbtxt: the text format is not supported)" : "";
            throw new ExplainException(Kind.MODEL_NOT_FOUND, "not a TensorFlow SavedModel: " + dir + " holds no "
                    + PROTO + hint);
        }
        SavedModel model;
        try {
            model = SavedModel.parseFrom(Files.readAllBytes(proto));
        } catch (InvalidProtocolBufferException e) {
            throw new ExplainException(Kind.CORRUPT_MODEL, proto + " is not a valid SavedModel protobuf: "
                    + firstSentence(e.getMessage()), e);
        } catch (IOException e) {
            throw new ExplainException(Kind.MODEL_NOT_FOUND, "cannot read " + proto + ": " + e.getMessage(), e);
        }
        return new SavedModelFile(dir, name, serving(model, proto));
    }

    String name() {
        return name;
    }

    MetaGraphDef meta() {
        return meta;
    }

    /** True when the MetaGraph declares asset files (e.g. vocabularies) that initialisers read at load time. */
    boolean hasAssets() {
        return meta.getAssetFileDefCount() > 0;
    }

    /** Names of the placeholders that receive asset file paths when TensorFlow loads the model. */
    Set<String> assetPlaceholders() {
        Set<String> names = new HashSet<>();
        meta.getAssetFileDefList().forEach(a -> names.add(TfRef.graph(a.getTensorInfo().getName()).node()));
        return names;
    }

    /**
     * A top-level variable node's value from the checkpoint, which is opened on first use.
     *
     * @param opId how messages name the variable
     */
    TfConstant variable(NodeDef variable, String opId) throws ExplainException {
        if (bundle == null) {
            bundle = TensorBundle.open(dir.resolve("variables"), name);
            keys = CheckpointKeys.of(meta.getGraphDef());
        }
        String key = keys.keyOf(variable, bundle);
        if (key == null) {
            throw new ExplainException(Kind.CORRUPT_MODEL, name + ": no checkpoint entry holds the value of variable '"
                    + opId + "'");
        }
        return bundle.read(key);
    }

    /** The MetaGraph tagged {@code serve}, or the only one. */
    private static MetaGraphDef serving(SavedModel model, Path proto) throws ExplainException {
        List<MetaGraphDef> graphs = model.getMetaGraphsList();
        if (graphs.isEmpty() || graphs.stream().allMatch(g -> g.getGraphDef().getNodeCount() == 0)) {
            throw new ExplainException(Kind.CORRUPT_MODEL, proto + " is not a valid SavedModel: it holds no graph");
        }
        for (MetaGraphDef g : graphs) {
            if (g.getMetaInfoDef().getTagsList().contains(SERVE_TAG)) {
                return g;
            }
        }
        if (graphs.size() == 1) {
            return graphs.get(0);
        }
        throw new ExplainException(Kind.UNSUPPORTED_MODEL, proto + " holds " + graphs.size()
                + " MetaGraphs and none is tagged '" + SERVE_TAG + "'");
    }

    /** protobuf's messages run on with advice about truncation; the first sentence is the reason. */
    private static String firstSentence(String message) {
        if (message == null || message.isBlank()) {
            return "unknown error";
        }
        String line = message.lines().findFirst().orElse(message).trim();
        int end = line.indexOf(". ");
        return end > 0 ? line.substring(0, end) : line;
    }
}
