package io.signstream.stream.demo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The models bundled for {@code signstream demo} (classpath folder {@code demo/}): digits_cnn and the
 * wonnx mnist-8 model, their descriptors and sample inputs.
 *
 * <p>The model registry reads a real folder (it must check where files really are), so the bundle
 * is copied out of the jar first; {@code demo/index.txt} lists its files because a jar's resources
 * cannot be listed portably.
 */
public final class DemoModels {

  private static final String ROOT = "demo/";

  private DemoModels() {}

  /** One sample input: which model it is for and its path under the extracted folder. */
  public record Sample(String modelId, String path) {}

  /** Copies the bundle into {@code dir} (created if needed) and returns {@code dir}. */
  public static Path extract(Path folder) throws IOException {
    Path dir = folder.toAbsolutePath().normalize();
    Files.createDirectories(dir);
    for (String name : lines("index.txt")) {
      Path target = dir.resolve(name).normalize();
      if (!target.startsWith(dir)) {
        throw new IOException("bad demo index entry " + name);
      }
      Files.createDirectories(target.getParent());
      try (InputStream in = open(name)) {
        Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
      }
    }
    return dir;
  }

  /** The sample inputs the demo replays. */
  public static List<Sample> samples() {
    List<Sample> out = new ArrayList<>();
    for (String line : lines("samples.txt")) {
      String[] parts = line.trim().split("\\s+");
      out.add(new Sample(parts[0], parts[1]));
    }
    return out;
  }

  private static List<String> lines(String name) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(open(name), StandardCharsets.UTF_8))) {
      return r.lines().map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static InputStream open(String name) throws IOException {
    InputStream in = DemoModels.class.getClassLoader().getResourceAsStream(ROOT + name);
    if (in == null) {
      throw new IOException("demo resource missing from the classpath: " + ROOT + name);
    }
    return in;
  }
}
