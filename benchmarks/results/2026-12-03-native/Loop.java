import io.signstream.engine.api.Explainer;
import io.signstream.engine.backend.*;
import io.signstream.engine.npy.*;
import java.nio.file.Path;
import java.util.*;
public class Loop {
    public static void main(String[] a) throws Exception {
        Explainer ex = Explainer.open(Path.of(a[0]), EngineKind.valueOf(a[4]), DeviceChoice.CPU);
        long[] sample = Arrays.stream(a[1].split(",")).mapToLong(Long::parseLong).toArray();
        int batch = Integer.parseInt(a[2]);
        float[] one = NpyFile.read(Path.of(System.getenv("NPY"))).data();
        long[] full = new long[sample.length + 1]; full[0] = batch; System.arraycopy(sample, 0, full, 1, sample.length);
        float[] data = new float[one.length * batch]; for (int i = 0; i < data.length; i++) data[i] = one[i % one.length];
        NpyArray in = new NpyArray(data, full);
        double secs = Double.parseDouble(a[5]);
        for (int round = 0; round < 3; round++) {
            long end = System.nanoTime() + (long) (secs * 1e9); int n = 0; long t0 = System.nanoTime();
            while (System.nanoTime() < end) { ex.explain(in, null, a[3], Map.of()); n++; }
            double ms = (System.nanoTime() - t0) / 1e6 / n;
            end = System.nanoTime() + (long) (secs / 3 * 1e9); int k = 0; t0 = System.nanoTime();
            while (System.nanoTime() < end) { ex.logits(in); k++; }
            double fms = (System.nanoTime() - t0) / 1e6 / k;
            System.out.printf("explain %.3f ms, logits %.3f ms, ratio %.2f%n", ms, fms, ms / fms);
        }
        System.exit(0);
    }
}
