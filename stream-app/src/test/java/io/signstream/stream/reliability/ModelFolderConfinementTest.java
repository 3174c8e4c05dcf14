package io.signstream.stream.reliability;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.stream.registry.ModelRegistry;
import io.signstream.stream.registry.RegistryException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model descriptors cannot make the pipeline open anything outside the models folder, in the ways
 * {@code ModelRegistryTest} does not already cover: a descriptor that is itself a link to outside,
 * a model path through a linked sub-folder that leads out, and absolute paths in other spellings.
 */
class ModelFolderConfinementTest {

  @TempDir
  Path root;

  @Test
  void aDescriptorLinkedFromOutsideIsRefused() throws IOException {
    Path models = Files.createDirectories(root.resolve("models"));
    Path outside = Files.createDirectories(root.resolve("outside"));
    Files.write(outside.resolve("m.onnx"), new byte[] {1});
    Files.writeString(outside.resolve("evil.model.json"), descriptor("evil", "m.onnx"));
    Files.createSymbolicLink(models.resolve("evil.model.json"), outside.resolve("evil.model.json"));
    assertRefused(models, "outside the models folder");
  }

  @Test
  void aModelReachedThroughALinkedFolderThatLeadsOutIsRefused() throws IOException {
    Path models = Files.createDirectories(root.resolve("models"));
    Path outside = Files.createDirectories(root.resolve("secrets"));
    Files.write(outside.resolve("m.onnx"), new byte[] {1});
    Files.createSymbolicLink(models.resolve("shared"), outside);
    Files.writeString(models.resolve("m.model.json"), descriptor("m", "shared/m.onnx"));
    assertRefused(models, "outside the models folder");
  }

  @Test
  void absoluteAndParentPathsInOtherSpellingsAreRefused() throws IOException {
    Path models = Files.createDirectories(root.resolve("models"));
    Files.createDirectories(models.resolve("sub"));
    Files.write(models.resolve("m.onnx"), new byte[] {1});
    for (String file : new String[] {"/etc/passwd", "//etc/passwd", "sub/../../models/m.onnx", "./../models/m.onnx",
        "sub/./../.."}) {
      Files.writeString(models.resolve("m.model.json"), descriptor("m", file));
      RegistryException e = assertThrows(RegistryException.class, () -> ModelRegistry.load(models), file);
      assertTrue(e.getMessage().contains("'file'"), file + ": " + e.getMessage());
    }
  }

  private static void assertRefused(Path models, String expected) {
    RegistryException e = assertThrows(RegistryException.class, () -> ModelRegistry.load(models));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }

  private static String descriptor(String id, String file) {
    return "{\"id\":\"" + id + "\",\"version\":\"1\",\"file\":\"" + file + "\",\"format\":\"onnx\","
        + "\"inputShape\":[1,4,4],\"layout\":\"NCHW\",\"classLabels\":[\"a\",\"b\"]}";
  }
}
