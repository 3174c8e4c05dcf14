package io.signstream.stream.registry;

import io.signstream.schemas.Engines;
import io.signstream.schemas.Layout;
import io.signstream.schemas.TensorCodec;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One model the pipeline can explain, as described by its {@code <id>.model.json}.
 *
 * @param id registry id, the key of its tasks (letters, digits, {@code . _ -})
 * @param version version string; a request naming another version is refused
 * @param file the model file (or SavedModel folder), already resolved inside the models folder
 * @param format file format as the descriptor names it ("onnx", "torchscript", "keras", …)
 * @param inputShape shape of one sample, without the batch axis
 * @param layout layout of a whole input, batch axis included (ANY when it does not matter)
 * @param classLabels one label per model output; their count bounds a request's target
 * @param defaultMethods methods used when a producer names none (the CLI and the demo)
 * @param engine engine to compute on when the request names none; null lets the pipeline choose
 */
public record ModelDescriptor(
    String id,
    String version,
    Path file,
    String format,
    long[] inputShape,
    Layout layout,
    List<String> classLabels,
    List<String> defaultMethods,
    String engine) {

  /** What a model id may contain: it becomes a record key and a metric tag. */
  public static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");

  /** Validates and copies every part. */
  public ModelDescriptor {
    if (id == null || !ID.matcher(id).matches()) {
      throw new RegistryException("model id '" + id + "' must be 1-128 of A-Z a-z 0-9 . _ -");
    }
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(format, "format");
    inputShape = inputShape.clone();
    for (long d : inputShape) {
      if (d <= 0) {
        throw new RegistryException("model '" + id + "': inputShape " + Arrays.toString(inputShape)
            + " must have positive dimensions");
      }
    }
    layout = layout == null ? Layout.ANY : layout;
    int rank = TensorCodec.expectedRank(layout);
    if (rank >= 0 && rank != inputShape.length + 1) {
      throw new RegistryException("model '" + id + "': layout " + layout + " needs " + (rank - 1)
          + " sample dimensions but inputShape is " + Arrays.toString(inputShape));
    }
    classLabels = List.copyOf(classLabels);
    if (classLabels.isEmpty()) {
      throw new RegistryException("model '" + id + "': classLabels must name at least one output");
    }
    defaultMethods = List.copyOf(defaultMethods);
    if (engine != null && !Engines.isKnown(engine)) {
      throw new RegistryException("model '" + id + "': engine '" + engine + "' is not one of " + Engines.ALL);
    }
  }

  /** The sample shape (a copy: the record stays immutable). */
  @Override
  public long[] inputShape() {
    return inputShape.clone();
  }

  /** Number of model outputs (classes). */
  public int classCount() {
    return classLabels.size();
  }

  /** The engine the descriptor asks for, if any. */
  public Optional<String> preferredEngine() {
    return Optional.ofNullable(engine);
  }

  /** Elements in one sample. */
  public long sampleElements() {
    long n = 1;
    for (long d : inputShape) {
      n *= d;
    }
    return n;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ModelDescriptor m && id.equals(m.id) && version.equals(m.version) && file.equals(m.file)
        && format.equals(m.format) && Arrays.equals(inputShape, m.inputShape) && layout == m.layout
        && classLabels.equals(m.classLabels) && defaultMethods.equals(m.defaultMethods)
        && Objects.equals(engine, m.engine);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, version, file, format, Arrays.hashCode(inputShape), layout, classLabels, engine);
  }

  @Override
  public String toString() {
    return "ModelDescriptor[" + id + " v" + version + ", " + format + ", " + Arrays.toString(inputShape) + " "
        + layout + ", " + classLabels.size() + " classes]";
  }
}
