package io.signstream.engine.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.signstream.engine.graph.TensorLayout;
import io.signstream.engine.onnx.proto.OnnxProto;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code metadata_props} of an ONNX file, read without decoding the graph, and the one entry SignStream writes:
 * the layout of the model input ({@link #LAYOUT_KEY}).
 *
 * <p>Why a layout entry: ONNX itself does not say whether an input is channels-first or channels-last, and
 * {@link OnnxImporter} assumes channels-first (the convention of PyTorch exports). A Keras model exported with
 * its channels-last input keeps that input, so its ONNX file says so here; tools that compare it with the Keras
 * original ({@code signstream compare}) read it instead of guessing.
 *
 * <pre>{@code
 * Optional<TensorLayout> layout = OnnxMetadata.layout(Path.of("model.onnx"));   // NHWC for a converted Keras model
 * }</pre>
 */
public final class OnnxMetadata {

    /** The metadata key under which the exporter records the input layout (a {@link TensorLayout} name). */
    public static final String LAYOUT_KEY = "signstream.input_layout";

    /** ModelProto field numbers: graph (skipped unread) and metadata_props. */
    private static final int GRAPH_FIELD = 7;
    private static final int METADATA_FIELD = 14;

    private OnnxMetadata() {
    }

    /** The input layout the file records, empty when it records none (or cannot be read). */
    public static Optional<TensorLayout> layout(Path onnx) {
        String value = properties(onnx).get(LAYOUT_KEY);
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(TensorLayout.valueOf(value.trim().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * All {@code metadata_props} entries in file order; empty for a file that is not readable ONNX. Only the top
     * level of the file is scanned (the graph, nearly all of its bytes, is skipped), so this is cheap even for
     * large models.
     */
    public static Map<String, String> properties(Path onnx) {
        Map<String, String> props = new LinkedHashMap<>();
        try (InputStream in = Files.newInputStream(onnx)) {
            CodedInputStream coded = CodedInputStream.newInstance(in);
            coded.setSizeLimit(Integer.MAX_VALUE);
            while (true) {
                int tag = coded.readTag();
                if (tag == 0) {
                    break;
                }
                int field = WireFormat.getTagFieldNumber(tag);
                if (field == METADATA_FIELD && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                    OnnxProto.StringStringEntry e = OnnxProto.StringStringEntry.parseFrom(coded.readBytes());
                    props.put(e.getKey(), e.getValue());
                } else if (!coded.skipField(tag)) {
                    break;
                }
                if (field == GRAPH_FIELD) {
                    // The size limit counts skipped bytes too; reset it so a model over 2 GB of graph still scans.
                    coded.resetSizeCounter();
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not ONNX, or truncated: no usable metadata. The importer reports what is wrong with the file.
        }
        return props;
    }
}
