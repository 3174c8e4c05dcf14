package io.signstream.stream.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.signstream.stream.TestEvents;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A CPU run of the command line in a child JVM, as the launcher starts it (TF_CPP_MIN_LOG_LEVEL=3), on both
 * engines: stderr has no CUDA warning. On a machine with CUDA libraries and no GPU (the build machines) the
 * control run, with DJL's probe logger forced back to WARN, shows the warning that the default run must not.
 */
class GpuProbeQuietTest {

  private static String run(String engine, String... jvmOptions) throws Exception {
    Path models = TestEvents.modelsDir();
    Path out = Files.createTempDirectory("maps-");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Dai.djl.offline=true");
    cmd.addAll(List.of(jvmOptions));
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.signstream.stream.cli.SignStreamCli", "explain",
        "--model", models.resolve("digits_cnn/digits_cnn.onnx").toString(),
        "--input", models.resolve("digits_cnn/x0/input.npy").toString(),
        "--method", "gradient", "--engine", engine, "--out", out.toString()));
    ProcessBuilder b = new ProcessBuilder(cmd);
    b.environment().put("TF_CPP_MIN_LOG_LEVEL", "3");
    b.environment().remove("SIGNSTREAM_WORKER_DEVICE");
    File err = Files.createTempFile("stderr-", ".txt").toFile();
    b.redirectError(err).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    Process p = b.start();
    if (!p.waitFor(240, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("the CLI did not finish");
    }
    String stderr = Files.readString(err.toPath(), StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), stderr);
    return stderr;
  }

  @Test
  void aCpuRunPrintsNoCudaWarningOnEitherEngine() throws Exception {
    for (String engine : List.of("pytorch", "tensorflow")) {
      String stderr = run(engine);
      assertFalse(stderr.contains("CudaUtils") || stderr.contains("GPU count") || stderr.contains("cuBLAS")
          || stderr.contains("cuda"), engine + " run printed CUDA noise:\n" + stderr);
    }
    String control = run("pytorch", "-D" + GpuProbeLogging.PROPERTY + "=warn");
    System.out.println("control run with the probe at WARN shows the warning on this machine: "
        + control.contains("Failed to detect GPU count"));
  }
}
