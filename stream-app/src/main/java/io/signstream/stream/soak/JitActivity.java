package io.signstream.stream.soak;

import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time the JIT compilers have used so far. A pipeline of this size (broker, Streams, clients, Vert.x,
 * engine) keeps the C2 compiler busy for a minute or more: measured during a 15,000-request LRP-ε burst after
 * a 2,000-request warm-up, compiler threads were 30 % of the process's CPU. The load test warms up until
 * that has settled, so its capacity is the pipeline's rather than the compiler's.
 */
final class JitActivity {

  private static final Path TASKS = Path.of("/proc/self/task");
  private static final long NANOS_PER_TICK = 10_000_000L; // USER_HZ is 100 on every Linux the JDK supports

  private JitActivity() {}

  /** A point in time from which {@link Since#share()} tells the compilers' share of the process's CPU. */
  record Since(long jitNanos, long cpuNanos) {

    /** The JIT compilers' share of the process's CPU since this point (0 to 1). */
    double share() {
      return (nanos() - jitNanos) / (double) Math.max(1, ProcessCpu.nanos() - cpuNanos);
    }
  }

  /** Starts measuring the compilers' share of the CPU from now. */
  static Since now() {
    return new Since(nanos(), ProcessCpu.nanos());
  }

  /**
   * Nanoseconds of CPU of the compiler threads (Linux: from /proc, the threads named "C1/C2 CompilerThre...");
   * elsewhere the JVM's compilation time, which counts waiting for a core too.
   */
  static long nanos() {
    if (Files.isDirectory(TASKS)) {
      long ticks = 0;
      try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
        for (Path task : tasks) {
          ticks += compilerTicks(task);
        }
        return ticks * NANOS_PER_TICK;
      } catch (IOException | RuntimeException e) {
        // fall back to the JVM's figure
      }
    }
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() * 1_000_000 : 0;
  }

  private static long compilerTicks(Path task) {
    try {
      String stat = Files.readString(task.resolve("stat"));
      int open = stat.indexOf('(');
      int close = stat.lastIndexOf(')');
      if (!stat.substring(open + 1, close).contains("CompilerThre")) {
        return 0;
      }
      String[] fields = stat.substring(close + 2).split(" ");
      return Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime + stime
    } catch (IOException | RuntimeException gone) {
      return 0; // a thread that ended meanwhile
    }
  }
}
