package io.signstream.stream.registry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * Resolves a descriptor's relative file name strictly inside the models folder.
 *
 * <p>Why so strict: descriptors may come from a shared or mounted folder, and the worker opens
 * whatever they name. An absolute path, any {@code ..} segment, or a symbolic link whose target lies
 * outside the folder is refused, so a descriptor can never make the pipeline read an arbitrary file.
 */
final class SafePaths {

  private SafePaths() {}

  /**
   * The real path of {@code relative} under {@code realDir}.
   *
   * @param realDir the models folder, already {@link Path#toRealPath real}
   * @throws RegistryException if the name escapes the folder or names nothing
   */
  static Path resolveInside(Path realDir, String relative, String what) {
    if (relative == null || relative.isBlank()) {
      throw new RegistryException(what + ": 'file' is missing");
    }
    Path rel;
    try {
      rel = Path.of(relative);
    } catch (InvalidPathException e) {
      throw new RegistryException(what + ": 'file' is not a valid path: " + relative, e);
    }
    if (rel.isAbsolute() || relative.startsWith("/") || relative.startsWith("\\") || rel.getRoot() != null) {
      throw new RegistryException(what + ": 'file' must be relative to the models folder, got " + relative);
    }
    for (Path part : rel) {
      if (part.toString().equals("..")) {
        throw new RegistryException(what + ": 'file' may not contain '..', got " + relative);
      }
    }
    Path candidate = realDir.resolve(rel).normalize();
    if (!candidate.startsWith(realDir)) {
      throw new RegistryException(what + ": 'file' leaves the models folder: " + relative);
    }
    if (!Files.exists(candidate)) {
      throw new RegistryException(what + ": model file not found: " + candidate);
    }
    Path real;
    try {
      real = candidate.toRealPath();
    } catch (IOException e) {
      throw new RegistryException(what + ": cannot resolve " + candidate + ": " + e.getMessage(), e);
    }
    if (!real.startsWith(realDir)) {
      throw new RegistryException(what + ": 'file' is a link to outside the models folder: " + relative + " -> " + real);
    }
    if (!Files.isRegularFile(real) && !Files.isDirectory(real)) {
      throw new RegistryException(what + ": 'file' is neither a file nor a folder: " + real);
    }
    return real;
  }
}
