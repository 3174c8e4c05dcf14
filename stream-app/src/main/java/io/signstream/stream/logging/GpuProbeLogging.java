package io.signstream.stream.logging;

import java.util.List;
import java.util.Locale;

/**
 * Keeps DJL's GPU probe quiet on CPU runs.
 *
 * <p>When DJL loads an engine it asks the CUDA runtime for the GPU count ({@code ai.djl.util.cuda.CudaUtils}).
 * On a machine with CUDA libraries but no usable GPU or driver, that logs
 * {@code WARN CudaUtils - Failed to detect GPU count: CUDA driver version is insufficient…} on every run — noise
 * when the device asked for is the CPU. DJL has no switch to skip the probe (its only alternative,
 * {@code ai.djl.util.cuda.fork}, forks a JVM to probe instead), so the probe's logger is set to ERROR before DJL
 * is first touched, and only when the device is {@code cpu}: with {@code gpu} or {@code auto} the warning is
 * the useful hint it was meant to be. An explicit setting of that logger's level wins.
 */
public final class GpuProbeLogging {

  /** slf4j-simple's per-logger level property for DJL's probe. */
  public static final String PROPERTY = "org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils";

  private GpuProbeLogging() {}

  /** Silences the probe's warnings if {@code device} (as DeviceChoice parses it; null means cpu) is the CPU. */
  public static void quietFor(String device) {
    String d = device == null ? "cpu" : device.trim().toLowerCase(Locale.ROOT);
    if (d.equals("cpu") && System.getProperty(PROPERTY) == null) {
      System.setProperty(PROPERTY, "error");
    }
  }

  /**
   * The device a command line asks for: the value of {@code --device}, else {@code SIGNSTREAM_WORKER_DEVICE},
   * else cpu (every SignStream command's default).
   */
  public static String deviceOf(List<String> args, String workerDeviceEnv) {
    int i = args.indexOf("--device");
    if (i >= 0 && i + 1 < args.size()) {
      return args.get(i + 1);
    }
    return workerDeviceEnv == null || workerDeviceEnv.isBlank() ? "cpu" : workerDeviceEnv;
  }
}
