import ai.djl.ndarray.*;
import ai.djl.ndarray.types.Shape;
import io.signstream.benchmarks.*;
import io.signstream.engine.backend.*;
import io.signstream.engine.exec.*;
import io.signstream.engine.graph.*;
import io.signstream.engine.method.*;
import java.util.*;
public class V16 {
    public static void main(String[] a) throws Exception {
        Graph graph = Workloads.graph(Workloads.model(a[0]));
        int batch = Workloads.batch(a[0]);
        long[] dims = Workloads.batchShape(graph, batch);
        Shape shape = new Shape(dims);
        float[] input = Workloads.input(dims);
        Backend backend = Backends.open(EngineKind.parse(a[1]), DeviceChoice.CPU);
        BoundGraph model = new BoundGraph(graph, backend);
        int[] targets = new int[batch];
        int reps = Integer.parseInt(a[3]);
        for (String method : a[2].split(",")) {
            MethodSpec spec = MethodNames.parse(method, MethodParams.of(Map.of()));
            for (int r = 0; r < reps; r++) {
                long t0 = System.nanoTime();
                try (NDScope scope = new NDScope(); NDManager m = backend.newManager()) {
                    ForwardPass.logits(model, HostArrays.copyOf(m, input, shape)).toFloatArray();
                }
                long t1 = System.nanoTime();
                try (NDScope scope = new NDScope(); NDManager m = backend.newManager()) {
                    MethodRunner.run(model, HostArrays.copyOf(m, input, shape), targets, spec).toFloatArray();
                }
                long t2 = System.nanoTime();
                System.out.printf("%s fwd %.0f ms map %.0f ms ratio %.2f%n", method, (t1 - t0) / 1e6, (t2 - t1) / 1e6, (double) (t2 - t1) / (t1 - t0));
            }
        }
        System.exit(0);
    }
}
