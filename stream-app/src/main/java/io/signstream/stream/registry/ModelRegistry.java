package io.signstream.stream.registry;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The models the pipeline knows, loaded once at start from a folder holding one
 * {@code <id>.model.json} per model (see {@link DescriptorParser} for the format).
 *
 * <pre>{@code
 * ModelRegistry models = ModelRegistry.load(Path.of("models"));
 * ModelDescriptor d = models.find("digits_cnn").orElseThrow();
 * }</pre>
 *
 * <p>Loading fails on the first bad descriptor rather than skipping it: a model that silently
 * vanished would turn every request for it into an UNKNOWN_MODEL dead letter. Immutable and
 * thread-safe once loaded.
 */
public final class ModelRegistry {

  private final Path dir;
  private final Map<String, ModelDescriptor> byId;

  private ModelRegistry(Path dir, Map<String, ModelDescriptor> byId) {
    this.dir = dir;
    this.byId = byId;
  }

  /**
   * Loads every {@code *.model.json} directly in {@code dir} (not in sub-folders).
   *
   * @throws RegistryException if the folder is missing or any descriptor is invalid
   */
  public static ModelRegistry load(Path dir) {
    Path realDir;
    try {
      realDir = dir.toRealPath();
    } catch (IOException e) {
      throw new RegistryException("models folder " + dir + " cannot be read: " + e, e);
    }
    if (!Files.isDirectory(realDir)) {
      throw new RegistryException("models folder " + dir + " is not a folder");
    }
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(realDir, "*" + DescriptorParser.SUFFIX)) {
      entries.forEach(files::add);
    } catch (IOException e) {
      throw new RegistryException("cannot list models folder " + dir + ": " + e, e);
    }
    files.sort(Comparator.comparing(Path::toString));
    Map<String, ModelDescriptor> byId = new LinkedHashMap<>();
    for (Path file : files) {
      // the descriptor itself may be a link too: it must stay inside the folder like the model files
      SafePaths.resolveInside(realDir, file.getFileName().toString(), "descriptor " + file.getFileName());
      ModelDescriptor d = DescriptorParser.parse(file, realDir);
      byId.put(d.id(), d);
    }
    return new ModelRegistry(realDir, byId);
  }

  /** A registry over descriptors built in code (tests); {@link #dir()} is null. */
  public static ModelRegistry of(Collection<ModelDescriptor> models) {
    Map<String, ModelDescriptor> byId = new LinkedHashMap<>();
    for (ModelDescriptor d : models) {
      if (byId.put(d.id(), d) != null) {
        throw new RegistryException("model id '" + d.id() + "' appears twice");
      }
    }
    return new ModelRegistry(null, byId);
  }

  /** The model with this id. */
  public Optional<ModelDescriptor> find(String id) {
    return id == null ? Optional.empty() : Optional.ofNullable(byId.get(id));
  }

  /** Every model, in descriptor file-name order. */
  public List<ModelDescriptor> all() {
    return List.copyOf(byId.values());
  }

  /** Number of models. */
  public int size() {
    return byId.size();
  }

  /** The (real) models folder it was loaded from, or null for {@link #of}. */
  public Path dir() {
    return dir;
  }
}
