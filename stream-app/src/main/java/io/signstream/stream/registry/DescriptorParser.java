package io.signstream.stream.registry;

import io.signstream.schemas.Layout;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads one {@code <id>.model.json}.
 *
 * <pre>{@code
 * {
 *   "id": "digits_cnn", "version": "1", "file": "digits_cnn/digits_cnn.onnx", "format": "onnx",
 *   "inputShape": [1, 16, 16], "layout": "NCHW",
 *   "classLabels": ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
 *   "defaultMethods": ["gradient", "lrp_epsilon_0_1"],
 *   "engine": "pytorch"
 * }
 * }</pre>
 * Unknown fields are refused, so a misspelt optional field is noticed at start rather than ignored.
 */
final class DescriptorParser {

  /** File name suffix of a descriptor. */
  static final String SUFFIX = ".model.json";

  private static final Set<String> FIELDS = Set.of(
      "id", "version", "file", "format", "inputShape", "layout", "classLabels", "defaultMethods", "engine", "description");
  private static final long MAX_DESCRIPTOR_BYTES = 1 << 20;

  private DescriptorParser() {}

  static ModelDescriptor parse(Path descriptor, Path realDir) {
    String what = "descriptor " + descriptor.getFileName();
    JsonObject json = read(descriptor, what);
    for (String key : json.fieldNames()) {
      if (!FIELDS.contains(key)) {
        throw new RegistryException(what + ": unknown field '" + key + "' (known: " + FIELDS + ")");
      }
    }
    try {
      String id = required(json.getString("id"), "id", what);
      String stem = descriptor.getFileName().toString();
      stem = stem.substring(0, stem.length() - SUFFIX.length());
      if (!id.equals(stem)) {
        throw new RegistryException(what + ": id '" + id + "' must match the file name '" + stem + SUFFIX + "'");
      }
      Path file = SafePaths.resolveInside(realDir, json.getString("file"), what);
      return new ModelDescriptor(
          id,
          required(json.getString("version"), "version", what),
          file,
          required(json.getString("format"), "format", what).toLowerCase(Locale.ROOT),
          shape(json.getJsonArray("inputShape"), what),
          layout(json.getString("layout"), what),
          strings(json.getJsonArray("classLabels"), "classLabels", what),
          json.containsKey("defaultMethods") ? strings(json.getJsonArray("defaultMethods"), "defaultMethods", what) : List.of(),
          json.getString("engine"));
    } catch (ClassCastException e) {
      throw new RegistryException(what + ": a field has the wrong JSON type: " + e.getMessage(), e);
    }
  }

  private static JsonObject read(Path descriptor, String what) {
    try {
      if (Files.size(descriptor) > MAX_DESCRIPTOR_BYTES) {
        throw new RegistryException(what + ": larger than " + MAX_DESCRIPTOR_BYTES + " bytes");
      }
      return new JsonObject(Files.readString(descriptor, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new RegistryException(what + ": cannot read: " + e.getMessage(), e);
    } catch (DecodeException e) {
      throw new RegistryException(what + ": not a JSON object: " + e.getMessage(), e);
    }
  }

  private static String required(String value, String field, String what) {
    if (value == null || value.isBlank()) {
      throw new RegistryException(what + ": '" + field + "' is required");
    }
    return value.trim();
  }

  private static long[] shape(JsonArray dims, String what) {
    if (dims == null || dims.isEmpty()) {
      throw new RegistryException(what + ": 'inputShape' (the sample shape, without the batch axis) is required");
    }
    long[] shape = new long[dims.size()];
    for (int i = 0; i < shape.length; i++) {
      Object d = dims.getValue(i);
      if (!(d instanceof Number n) || n.doubleValue() != n.longValue()) {
        throw new RegistryException(what + ": 'inputShape' must hold whole numbers, got " + dims.encode());
      }
      shape[i] = n.longValue();
    }
    return shape;
  }

  private static Layout layout(String name, String what) {
    if (name == null) {
      return Layout.ANY;
    }
    try {
      return Layout.valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new RegistryException(what + ": unknown layout '" + name + "', use one of " + List.of(Layout.values()), e);
    }
  }

  private static List<String> strings(JsonArray array, String field, String what) {
    if (array == null) {
      throw new RegistryException(what + ": '" + field + "' is required");
    }
    List<String> out = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      Object v = array.getValue(i);
      if (!(v instanceof String s)) {
        throw new RegistryException(what + ": '" + field + "' must hold strings, got " + array.encode());
      }
      out.add(s);
    }
    return out;
  }
}
