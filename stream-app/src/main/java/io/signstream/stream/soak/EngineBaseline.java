package io.signstream.stream.soak;

import io.signstream.engine.npy.NpyArray;
import io.signstream.stream.registry.ModelDescriptor;
import io.signstream.stream.worker.ComputeException;
import io.signstream.stream.worker.ComputeRequest;
import io.signstream.stream.worker.ExplanationComputer;
import java.util.Locale;
import java.util.Map;

/**
 * The bare engine on the same maps as the pipeline: the same computer a worker uses, called
 * directly, so that the difference to the pipeline's figures is the pipeline's own cost (Kafka,
 * transactions, batching waits, (de)serialisation).
 */
public final class EngineBaseline {

  private static final int WARM_UP_CALLS = 10;

  private EngineBaseline() {}

  /**
   * One measured configuration.
   *
   * @param batch samples per explain call
   * @param perCall time of one call
   * @param mapsPerSecond maps computed per second of wall time
   * @param cpuMillisPerMap process CPU time per map
   */
  public record Result(int batch, LatencySummary perCall, double mapsPerSecond, double cpuMillisPerMap) {
    @Override
    public String toString() {
      return String.format(Locale.ROOT, "batch %d: %.0f maps/s, %.2f ms of process CPU per map, per call %s", batch,
          mapsPerSecond, cpuMillisPerMap, perCall);
    }
  }

  /**
   * Times {@code calls} explain calls of {@code batch} samples each (after a short warm-up).
   *
   * @param samples inputs of one sample each, cycled to fill the batch
   */
  public static Result measure(ExplanationComputer computer, ModelDescriptor model, String engine, String method,
      java.util.List<NpyArray> samples, int batch, int calls) throws ComputeException {
    ComputeRequest request = request(model, engine, method, samples, batch);
    for (int i = 0; i < WARM_UP_CALLS; i++) {
      computer.compute(request);
    }
    long[] nanos = new long[calls];
    long cpu = ProcessCpu.nanos();
    long start = System.nanoTime();
    for (int i = 0; i < calls; i++) {
      long t0 = System.nanoTime();
      computer.compute(request);
      nanos[i] = System.nanoTime() - t0;
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    double cpuMillis = (ProcessCpu.nanos() - cpu) / 1e6;
    return new Result(batch, LatencySummary.ofNanos(nanos), (double) batch * calls / seconds,
        cpuMillis / ((double) batch * calls));
  }

  private static ComputeRequest request(ModelDescriptor model, String engine, String method,
      java.util.List<NpyArray> samples, int batch) {
    long[] sampleShape = model.inputShape();
    int perSample = (int) model.sampleElements();
    float[] input = new float[batch * perSample];
    for (int i = 0; i < batch; i++) {
      System.arraycopy(samples.get(i % samples.size()).data(), 0, input, i * perSample, perSample);
    }
    long[] shape = new long[sampleShape.length + 1];
    shape[0] = batch;
    System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
    return new ComputeRequest(model, engine, method, Map.of(), input, shape, null);
  }
}
