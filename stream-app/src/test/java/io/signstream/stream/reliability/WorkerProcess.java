package io.signstream.stream.reliability;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code signstream worker --config FILE} in a separate JVM (the test's own class path), with its
 * output in a log file: a worker that can be killed for real ({@link #kill()} is SIGKILL, no shutdown
 * hook runs, nothing is flushed or committed).
 */
final class WorkerProcess implements AutoCloseable {

  private static final Pattern HTTP = Pattern.compile("HTTP on http://[^:]+:(\\d+)");
  // HTTP/1.1: with the default HTTP/2 upgrade attempt a /metrics call once hung past its request timeout (stack in
  // HttpClientImpl.send), so the call also has a hard deadline of its own (inFlight)
  private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();

  private final Process process;
  private final Path log;
  private int httpPort = -1;

  private WorkerProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /** Writes {@code settings} to a properties file in {@code dir} and starts a worker process on it. */
  static WorkerProcess start(Path dir, String name, Map<String, String> settings) {
    Properties p = new Properties();
    p.putAll(settings);
    Path config = dir.resolve(name + ".properties");
    Path log = dir.resolve(name + ".log");
    try (OutputStream out = Files.newOutputStream(config)) {
      p.store(out, "worker " + name);
      List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx512m", "-Xss4m", "-Dai.djl.offline=true", "-cp", classPath(),
          "io.signstream.stream.cli.SignStreamCli", "worker", "--config", config.toString()));
      ProcessBuilder b = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
      b.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
      return new WorkerProcess(b.start(), log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Surefire puts the real class path here (its own is a manifest-only jar). */
  private static String classPath() {
    return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
  }

  long pid() {
    return process.pid();
  }

  boolean alive() {
    return process.isAlive();
  }

  /** Waits until the worker printed its HTTP port (it is running), and returns the port. */
  int awaitRunning(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Matcher m = HTTP.matcher(output());
      if (m.find()) {
        httpPort = Integer.parseInt(m.group(1));
        return httpPort;
      }
      if (!process.isAlive()) {
        throw new IllegalStateException("worker process exited with " + process.exitValue() + ":\n" + tail());
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("worker process not running after " + timeout + ":\n" + tail());
  }

  /** Tasks the worker holds polled but not committed, from its {@code /metrics}; -1 if it does not answer. */
  double inFlight() {
    try {
      CompletableFuture<HttpResponse<String>> call = CLIENT.sendAsync(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + httpPort + "/metrics")).timeout(Duration.ofSeconds(2)).build(),
          HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> r;
      try {
        r = call.get(3, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        call.cancel(true);
        return -1;
      }
      double sum = 0;
      for (String line : r.body().split("\n")) {
        if (line.startsWith("signstream_worker_in_flight")) {
          sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
      return sum;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /**
   * SIGKILL, then waits for the process to be gone. A killed JVM runs no more code, but on a VM that is reclaiming
   * memory its exit can take long: the wait is generous, and says so when it runs out.
   */
  void kill() throws InterruptedException {
    long start = System.nanoTime();
    process.destroyForcibly();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      throw new IllegalStateException("worker pid " + process.pid() + " still alive 120 s after SIGKILL");
    }
    System.out.printf("RELIABILITY worker pid %d gone %.1f s after SIGKILL%n", process.pid(),
        (System.nanoTime() - start) / 1e9);
  }

  String output() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  String tail() {
    String s = output();
    return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
  }

  /** SIGTERM (the worker closes cleanly), SIGKILL if it takes more than 20 s. */
  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
