package io.signstream.stream.worker;

import java.util.ArrayList;
import java.util.List;

/** Relevance = 2 × input, target = requested or 1; fails for chosen event ids' values. Records the batch sizes. */
final class FakeComputer implements ExplanationComputer {

  final List<Integer> batches = new ArrayList<>();
  float poison = Float.NaN;
  boolean closed;

  @Override
  public ComputeResult compute(ComputeRequest r) throws ComputeException {
    batches.add(r.samples());
    float[] rel = new float[r.input().length];
    for (int i = 0; i < rel.length; i++) {
      if (r.input()[i] == poison) {
        throw new ComputeException("poisoned input");
      }
      rel[i] = 2 * r.input()[i];
    }
    int[] targets = new int[r.samples()];
    float[] logits = new float[r.samples()];
    for (int i = 0; i < targets.length; i++) {
      targets[i] = r.targets() == null ? 1 : r.targets()[i];
      logits[i] = i + 0.5f;
    }
    return new ComputeResult(rel, r.shape().clone(), targets, logits, r.engine(), "cpu()");
  }

  @Override
  public void close() {
    closed = true;
  }
}
