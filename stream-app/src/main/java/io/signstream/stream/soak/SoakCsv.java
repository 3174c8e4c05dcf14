package io.signstream.stream.soak;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** One CSV row per second of a paced run: heap, counts and that second's latency percentiles. */
final class SoakCsv implements AutoCloseable {

  static final String HEADER = "second,heap_used_mb,rss_mb,requests_sent,explanations_received,p50_ms,p95_ms,p99_ms";

  private final BufferedWriter out;

  SoakCsv(Path file) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
      out.write(HEADER);
      out.newLine();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  void row(int second, long heapBytes, long rssBytes, long sent, long received, LatencySummary latency) {
    try {
      out.write(String.format(Locale.ROOT, "%d,%s,%s,%d,%d,%s,%s,%s", second, mb(heapBytes), mb(rssBytes), sent,
          received,
          num(latency.p50()), num(latency.p95()), num(latency.p99())));
      out.newLine();
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String mb(long bytes) {
    return bytes < 0 ? "" : String.format(Locale.ROOT, "%.1f", bytes / 1e6);
  }

  private static String num(double v) {
    return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.0f", v);
  }

  @Override
  public void close() {
    try {
      out.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
