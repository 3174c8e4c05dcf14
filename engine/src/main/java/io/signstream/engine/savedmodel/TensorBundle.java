package io.signstream.engine.savedmodel;

import com.google.protobuf.InvalidProtocolBufferException;
import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.ExplainException.Kind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.TreeMap;
import org.tensorflow.proto.util.BundleEntryProto;
import org.tensorflow.proto.util.BundleHeaderProto;

/**
 * A SavedModel's variable values: the TensorFlow checkpoint ("tensor bundle") under {@code variables/}.
 *
 * <p>{@code variables.index} is a table (see {@link SsTable}) from checkpoint key to a {@link BundleEntryProto}
 * (type, shape, shard, offset, size); the key {@code ""} holds the {@link BundleHeaderProto} with the number of
 * shards. Values are raw little-endian bytes in {@code variables.data-<shard>-of-<shards>}.
 */
final class TensorBundle {

    private final Path dir;
    private final String modelName;
    private final int shards;
    private final Map<String, BundleEntryProto> entries;

    private TensorBundle(Path dir, String modelName, int shards, Map<String, BundleEntryProto> entries) {
        this.dir = dir;
        this.modelName = modelName;
        this.shards = shards;
        this.entries = entries;
    }

    /**
     * @param variablesDir the SavedModel's {@code variables/} folder
     */
    static TensorBundle open(Path variablesDir, String modelName) throws ExplainException {
        Path index = variablesDir.resolve("variables.index");
        if (!Files.isRegularFile(index)) {
            throw new ExplainException(Kind.CORRUPT_MODEL, modelName + ": the graph reads variables but "
                    + index + " is missing");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(index);
        } catch (IOException e) {
            throw new ExplainException(Kind.CORRUPT_MODEL, modelName + ": cannot read " + index + ": "
                    + e.getMessage(), e);
        }
        Map<String, byte[]> table = SsTable.read(bytes, index.toString());
        Map<String, BundleEntryProto> entries = new TreeMap<>();
        int shards = 1;
        try {
            for (Map.Entry<String, byte[]> e : table.entrySet()) {
                if (e.getKey().isEmpty()) {
                    shards = Math.max(1, BundleHeaderProto.parseFrom(e.getValue()).getNumShards());
                } else {
                    entries.put(e.getKey(), BundleEntryProto.parseFrom(e.getValue()));
                }
            }
        } catch (InvalidProtocolBufferException e) {
            throw new ExplainException(Kind.CORRUPT_MODEL, modelName + ": " + index
                    + " holds an entry that is not a tensor description", e);
        }
        return new TensorBundle(variablesDir, modelName, shards, entries);
    }

    boolean contains(String key) {
        return entries.containsKey(key);
    }

    /** The value stored under a checkpoint key. */
    TfConstant read(String key) throws ExplainException {
        BundleEntryProto e = entries.get(key);
        String what = modelName + ": checkpoint entry '" + key + "'";
        if (e == null) {
            throw new ExplainException(Kind.CORRUPT_MODEL, what + " is missing from the variables");
        }
        if (e.getSlicesCount() > 0) {
            throw new ExplainException(Kind.UNSUPPORTED_MODEL, what + " is a partitioned variable; not supported");
        }
        long[] shape = TfTensors.shape(e.getShape(), what);
        long count = TfConstant.count(shape);
        if (e.getSize() > Integer.MAX_VALUE || count > Integer.MAX_VALUE) {
            throw new ExplainException(Kind.UNSUPPORTED_MODEL, what + " is larger than 2 GB");
        }
        Path data = dir.resolve(String.format("variables.data-%05d-of-%05d", e.getShardId(), shards));
        byte[] bytes = new byte[(int) e.getSize()];
        try (FileChannel ch = FileChannel.open(data, StandardOpenOption.READ)) {
            if (e.getOffset() + e.getSize() > ch.size()) {
                throw new ExplainException(Kind.CORRUPT_MODEL, what + " lies beyond the end of " + data);
            }
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            long pos = e.getOffset();
            while (buf.hasRemaining()) {
                int n = ch.read(buf, pos);
                if (n < 0) {
                    throw new ExplainException(Kind.CORRUPT_MODEL, what + " lies beyond the end of " + data);
                }
                pos += n;
            }
        } catch (IOException ex) {
            throw new ExplainException(Kind.CORRUPT_MODEL, what + ": cannot read " + data + ": " + ex.getMessage(),
                    ex);
        }
        return new TfConstant(TfTensors.raw(bytes, e.getDtype(), (int) count, what), shape);
    }
}
