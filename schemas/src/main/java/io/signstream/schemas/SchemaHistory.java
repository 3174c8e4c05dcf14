package io.signstream.schemas;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.SchemaStore;

/**
 * Every Avro schema version that SignStream has ever written, looked up by fingerprint.
 *
 * <p>Single-object encoded records name their writer schema only by its 64-bit fingerprint, and
 * there is no schema registry: a reader can decode a record only if its {@link SchemaStore}
 * already holds the writer's schema. The versions ship inside this jar under
 * {@value #RESOURCE_DIR}, listed in {@value #INDEX_RESOURCE} (one file name per line, oldest
 * first, {@code #} starts a comment). When a schema in {@code src/main/avro} changes, add its new
 * version there (e.g. {@code InferenceEvent.v2.avsc}); a test fails until you do.
 *
 * <pre>{@code
 * SchemaHistory history = SchemaHistory.shipped();
 * List<Schema> versions = history.versionsOf("io.signstream.schemas.InferenceEvent");
 * Schema writer = history.findByFingerprint(fingerprintFromHeader);
 * SchemaHistory withOneMore = history.with(List.of(extraSchema));   // e.g. in tests
 * }</pre>
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class SchemaHistory implements SchemaStore {

  /** Classpath folder of the shipped schema versions. */
  public static final String RESOURCE_DIR = "schemas/history/";

  /** Classpath resource listing the files of {@link #RESOURCE_DIR}, oldest first. */
  public static final String INDEX_RESOURCE = RESOURCE_DIR + "index.txt";

  private static volatile SchemaHistory shipped;

  private final Map<Long, Schema> byFingerprint;

  private SchemaHistory(Map<Long, Schema> byFingerprint) {
    this.byFingerprint = byFingerprint;
  }

  /** The schema versions shipped in this jar (loaded once, then shared). */
  public static SchemaHistory shipped() {
    SchemaHistory h = shipped;
    if (h == null) {
      synchronized (SchemaHistory.class) {
        h = shipped;
        if (h == null) {
          h = loadResources(SchemaHistory.class.getClassLoader());
          shipped = h;
        }
      }
    }
    return h;
  }

  /** A history holding exactly the given schemas. */
  public static SchemaHistory of(Collection<Schema> schemas) {
    return new SchemaHistory(Map.of()).with(schemas);
  }

  /**
   * Loads the versions listed in {@value #INDEX_RESOURCE} from a class loader.
   *
   * @throws IllegalStateException if the index or a listed file is missing or not a valid schema
   */
  public static SchemaHistory loadResources(ClassLoader loader) {
    List<Schema> schemas = new ArrayList<>();
    for (String file : readIndex(loader)) {
      schemas.add(parseResource(loader, RESOURCE_DIR + file));
    }
    return of(schemas);
  }

  private static Schema parseResource(ClassLoader loader, String resource) {
    InputStream in = loader.getResourceAsStream(resource);
    if (in == null) {
      throw new IllegalStateException(INDEX_RESOURCE + " lists " + resource + " but it is not on the classpath");
    }
    try (in) {
      return new Schema.Parser().parse(in); // one parser per file: each version is self-contained
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("cannot read schema version " + resource + ": " + e.getMessage(), e);
    }
  }

  private static List<String> readIndex(ClassLoader loader) {
    try (InputStream in = loader.getResourceAsStream(INDEX_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(INDEX_RESOURCE + " is not on the classpath");
      }
      List<String> files = new ArrayList<>();
      BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        int hash = line.indexOf('#');
        String file = (hash >= 0 ? line.substring(0, hash) : line).strip();
        if (!file.isEmpty()) {
          files.add(file);
        }
      }
      return files;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + INDEX_RESOURCE, e);
    }
  }

  /** This history plus the given schemas (already known versions are kept once). */
  public SchemaHistory with(Collection<Schema> schemas) {
    Map<Long, Schema> all = new LinkedHashMap<>(byFingerprint);
    for (Schema s : schemas) {
      all.putIfAbsent(fingerprint(Objects.requireNonNull(s, "schema")), s);
    }
    return new SchemaHistory(Collections.unmodifiableMap(all));
  }

  /** The writer schema with this CRC-64-AVRO parsing fingerprint, or {@code null} if unknown. */
  @Override
  public Schema findByFingerprint(long fingerprint) {
    return byFingerprint.get(fingerprint);
  }

  /** Every schema version, in the order they were added (oldest first for the shipped ones). */
  public List<Schema> all() {
    return List.copyOf(byFingerprint.values());
  }

  /** The versions of one record, by full name (e.g. {@code io.signstream.schemas.InferenceEvent}), oldest first. */
  public List<Schema> versionsOf(String fullName) {
    List<Schema> versions = new ArrayList<>();
    for (Schema s : byFingerprint.values()) {
      if (s.getFullName().equals(fullName)) {
        versions.add(s);
      }
    }
    return versions;
  }

  /** The CRC-64-AVRO fingerprint of a schema's parsing canonical form, as single-object encoding writes it. */
  public static long fingerprint(Schema schema) {
    return SchemaNormalization.parsingFingerprint64(schema);
  }
}
