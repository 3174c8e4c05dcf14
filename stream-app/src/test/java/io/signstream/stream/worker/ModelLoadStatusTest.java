package io.signstream.stream.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.engine.npy.NpyArray;
import io.signstream.schemas.ErrorCode;
import io.signstream.stream.TestEvents;
import io.signstream.stream.registry.ModelDescriptor;
import io.signstream.stream.registry.ModelLoadStatus;
import io.signstream.stream.registry.ModelRegistry;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A worker's computer records, per engine, whether each model loaded, at warm-up and on later loads; a model
 * that cannot be imported (an ONNX {@code LRN} node named {@code norm}) fails its tasks with
 * {@code MODEL_LOAD_FAILED} and the same one-line reason as the status (issue 10, item 5), on both engines.
 */
class ModelLoadStatusTest {

  /** What the engine says is missing (as in the engine's {@code UnsupportedModelCliTest}). */
  static final String WHAT_IS_MISSING = "unsupported ONNX op 'LRN' in node 'norm'";

  private static ModelRegistry registry;

  @BeforeAll
  static void models() {
    registry = ModelRegistry.load(TestEvents.modelsDirWithUnloadable());
  }

  @ParameterizedTest
  @ValueSource(strings = {"pytorch", "tensorflow"})
  void warmUpRecordsEachModelsLoadAndTheUnloadableOneFailsItsTasksWithTheSameReason(String engine) {
    ModelLoadStatus loads = new ModelLoadStatus();
    try (EngineExplanationComputer computer = new EngineExplanationComputer(4, "cpu", loads)) {
      ModelWarmup.warm(computer, registry, engine, 4);

      assertEquals(new ModelLoadStatus.Outcome(ModelLoadStatus.State.LOADED, null), loads.of("digits_cnn").get(engine));
      ModelLoadStatus.Outcome lrn = loads.of("lrn_cnn").get(engine);
      assertEquals(ModelLoadStatus.State.FAILED, lrn.state());
      String prefix = "cannot load model 'lrn_cnn' on " + engine + ": " + WHAT_IS_MISSING;
      assertTrue(lrn.reason().startsWith(prefix), lrn.reason());
      assertFalse(lrn.reason().contains("\n"), lrn.reason());
      assertEquals(Map.of(engine, lrn), loads.of("lrn_cnn"), "only the engine tried is reported");

      // a later request: the load is tried again and fails the same way, with the status's reason
      ModelDescriptor model = registry.find("lrn_cnn").orElseThrow();
      NpyArray x = TestEvents.digit(0);
      ComputeException e = assertThrows(ComputeException.class, () -> computer.compute(
          new ComputeRequest(model, engine, "gradient", Map.of(), x.data(), x.shape(), null)));
      assertEquals(ErrorCode.MODEL_LOAD_FAILED, e.code());
      assertEquals(lrn.reason(), e.getMessage());
    }
  }
}
