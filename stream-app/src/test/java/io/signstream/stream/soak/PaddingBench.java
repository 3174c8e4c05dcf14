package io.signstream.stream.soak;

import io.signstream.engine.npy.NpyArray;
import io.signstream.engine.npy.NpyFile;
import io.signstream.stream.demo.DemoModels;
import io.signstream.stream.registry.ModelDescriptor;
import io.signstream.stream.registry.ModelRegistry;
import io.signstream.stream.worker.ComputeRequest;
import io.signstream.stream.worker.EngineExplanationComputer;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

/** Exact micro-batch sizes vs sizes padded to the next power of two, interleaved blocks, same JVM. */
/**
 * Exact micro-batch sizes against sizes padded to the next power of two ({@code worker.pad.batches}), in
 * interleaved blocks in one JVM, on the engine a worker uses: the measurement behind padding being off by
 * default. Not a test (no timing is asserted); run it from the repository root after a build:
 * {@code java -Dai.djl.offline=true -cp "stream-app/target/stream-app.jar:stream-app/target/lib/*:stream-app/target/test-classes" io.signstream.stream.soak.PaddingBench lrp_epsilon_0_1}
 */
public final class PaddingBench {
  public static void main(String[] a) throws Exception {
    String method = a.length > 0 ? a[0] : "lrp_epsilon_0_1";
    Path models = DemoModels.extract(Files.createTempDirectory("padbench"));
    ModelDescriptor m = ModelRegistry.load(models).find("digits_cnn").orElseThrow();
    NpyArray x = NpyFile.read(models.resolve("digits_cnn/x0/input.npy"));
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    try (EngineExplanationComputer c = new EngineExplanationComputer(2, "cpu")) {
      SplittableRandom r = new SplittableRandom(1);
      int[] sizes = new int[200];
      for (int i = 0; i < sizes.length; i++) sizes[i] = 17 + r.nextInt(48); // 17..64, mean ~40
      run(c, m, x, method, sizes, false, os); run(c, m, x, method, sizes, true, os); // warm-up
      double[] t = new double[4]; double[] cpu = new double[4];
      for (int rep = 0; rep < 3; rep++) {
        for (int pad = 0; pad < 2; pad++) {
          double[] res = run(c, m, x, method, sizes, pad == 1, os);
          t[pad] += res[0]; cpu[pad] += res[1];
        }
      }
      long real = 0; for (int s : sizes) real += s;
      System.out.printf("%s, %d calls of 17..64 samples (mean %.1f), 3 interleaved rounds:%n", method, sizes.length, real / (double) sizes.length);
      System.out.printf("  exact sizes : %.0f real maps/s (wall), %.3f ms CPU per real map%n", 3 * real / t[0], 1000 * cpu[0] / (3 * real));
      System.out.printf("  padded (2^k): %.0f real maps/s (wall), %.3f ms CPU per real map%n", 3 * real / t[1], 1000 * cpu[1] / (3 * real));
    }
  }
  static double[] run(EngineExplanationComputer c, ModelDescriptor m, NpyArray x, String method, int[] sizes, boolean pad,
      com.sun.management.OperatingSystemMXBean os) throws Exception {
    long cpu0 = os.getProcessCpuTime(); long t0 = System.nanoTime();
    for (int n : sizes) {
      int b = pad ? (Integer.highestOneBit(n) == n ? n : Integer.highestOneBit(n) << 1) : n;
      float[] in = new float[b * 256];
      for (int i = 0; i < b; i++) System.arraycopy(x.data(), 0, in, i * 256, 256);
      c.compute(new ComputeRequest(m, "pytorch", method, Map.of(), in, new long[] {b, 1, 16, 16}, null));
    }
    return new double[] {(System.nanoTime() - t0) / 1e9, (os.getProcessCpuTime() - cpu0) / 1e9};
  }
}
