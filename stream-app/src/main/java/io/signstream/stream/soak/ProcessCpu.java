package io.signstream.stream.soak;

import java.lang.management.ManagementFactory;

/** CPU time used by this process, all threads: what the soak and load tests divide by the work done. */
final class ProcessCpu {

  private ProcessCpu() {}

  /** Nanoseconds of CPU this process has used so far; -1 where the JVM does not say. */
  static long nanos() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return -1;
  }
}
