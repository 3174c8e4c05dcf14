package io.signstream.stream.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.schemas.Layout;
import io.signstream.stream.TestEvents;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelRegistryTest {

  @TempDir
  Path dir;

  @Test
  void loadsTheBundledDemoModels() {
    ModelRegistry r = ModelRegistry.load(TestEvents.modelsDir());
    assertEquals(List.of("digits_cnn", "wonnx_opt_mnist"), r.all().stream().map(ModelDescriptor::id).toList());
    ModelDescriptor d = r.find("digits_cnn").orElseThrow();
    assertArrayEquals(new long[] {1, 16, 16}, d.inputShape());
    assertEquals(Layout.NCHW, d.layout());
    assertEquals(10, d.classCount());
    assertEquals("onnx", d.format());
    assertNull(d.engine());
    assertTrue(Files.isRegularFile(d.file()));
    assertTrue(d.file().startsWith(r.dir()));
    assertEquals("Five", r.find("wonnx_opt_mnist").orElseThrow().classLabels().get(5));
    assertTrue(r.find("nope").isEmpty());
    assertTrue(r.find(null).isEmpty());
  }

  @Test
  void acceptsAMinimalDescriptorAndOptionalEngine() throws IOException {
    model("m.bin");
    write("m", "{\"id\":\"m\",\"version\":\"7\",\"file\":\"m.bin\",\"format\":\"ONNX\",\"inputShape\":[4],"
        + "\"classLabels\":[\"a\",\"b\"],\"engine\":\"tensorflow\"}");
    ModelDescriptor d = ModelRegistry.load(dir).find("m").orElseThrow();
    assertEquals("onnx", d.format());
    assertEquals(Layout.ANY, d.layout());
    assertEquals("tensorflow", d.preferredEngine().orElseThrow());
    assertEquals(List.of(), d.defaultMethods());
  }

  @Test
  void refusesFilesOutsideTheFolder() throws IOException {
    Path outside = Files.createTempFile("outside-", ".onnx");
    try {
      assertRefused("'..'", descriptor("../" + outside.getFileName()));
      assertRefused("relative", descriptor(outside.toString()));
      assertRefused("'..'", descriptor("sub/../../x.onnx"));
      Files.createSymbolicLink(dir.resolve("link.onnx"), outside);
      assertRefused("link to outside", descriptor("link.onnx"));
    } finally {
      Files.deleteIfExists(outside);
    }
  }

  @Test
  void followsLinksThatStayInside() throws IOException {
    Path real = model("real.onnx");
    Files.createSymbolicLink(dir.resolve("alias.onnx"), real);
    write("m", descriptor("alias.onnx"));
    assertEquals(real.toRealPath(), ModelRegistry.load(dir).find("m").orElseThrow().file());
  }

  @Test
  void refusesBadDescriptors() throws IOException {
    model("m.onnx");
    assertRefused("not found", descriptor("missing.onnx"));
    assertRefused("must match the file name", descriptor("m.onnx").replace("\"id\":\"m\"", "\"id\":\"other\""));
    assertRefused("unknown field", descriptor("m.onnx").replace("{", "{\"inputshape\":[1],"));
    assertRefused("inputShape", descriptor("m.onnx").replace("\"inputShape\":[1,4,4]", "\"inputShape\":[]"));
    assertRefused("positive", descriptor("m.onnx").replace("[1,4,4]", "[1,0,4]"));
    assertRefused("classLabels", descriptor("m.onnx").replace("[\"a\",\"b\"]", "[]"));
    assertRefused("layout", descriptor("m.onnx").replace("NCHW", "NC"));
    assertRefused("unknown layout", descriptor("m.onnx").replace("NCHW", "CHWN"));
    assertRefused("engine", descriptor("m.onnx").replace("{", "{\"engine\":\"jax\","));
    assertRefused("JSON", "{not json");
    assertRefused("'version' is required", descriptor("m.onnx").replace("\"version\":\"1\",", ""));
  }

  @Test
  void refusesAMissingFolder() {
    assertThrows(RegistryException.class, () -> ModelRegistry.load(dir.resolve("none")));
  }

  private void assertRefused(String expected, String json) throws IOException {
    write("m", json);
    RegistryException e = assertThrows(RegistryException.class, () -> ModelRegistry.load(dir));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }

  private static String descriptor(String file) {
    return "{\"id\":\"m\",\"version\":\"1\",\"file\":\"" + file.replace("\\", "\\\\") + "\",\"format\":\"onnx\","
        + "\"inputShape\":[1,4,4],\"layout\":\"NCHW\",\"classLabels\":[\"a\",\"b\"]}";
  }

  private Path model(String name) throws IOException {
    return Files.write(dir.resolve(name), new byte[] {1, 2, 3});
  }

  private void write(String id, String json) throws IOException {
    Files.writeString(dir.resolve(id + ".model.json"), json);
  }
}
