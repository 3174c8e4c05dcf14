package io.signstream.stream.topology;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.engine.npy.NpyArray;
import io.signstream.schemas.AvroSerde;
import io.signstream.schemas.DType;
import io.signstream.schemas.DeadLetter;
import io.signstream.schemas.ErrorCode;
import io.signstream.schemas.ExplainTask;
import io.signstream.schemas.InferenceEvent;
import io.signstream.schemas.Layout;
import io.signstream.schemas.Tensor;
import io.signstream.schemas.TensorCodec;
import io.signstream.schemas.TopicNames;
import io.signstream.stream.TestEvents;
import io.signstream.stream.config.ValidationLimits;
import io.signstream.stream.metrics.PipelineMetrics;
import io.signstream.stream.registry.ModelDescriptor;
import io.signstream.stream.registry.ModelRegistry;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ExplainTopologyTest {

  private static final TopicNames TOPICS = new TopicNames("t.");

  private TopologyTestDriver driver;
  private TestInputTopic<byte[], byte[]> requests;
  private TestOutputTopic<String, ExplainTask> pytorch;
  private TestOutputTopic<String, ExplainTask> tensorflow;
  private TestOutputTopic<String, DeadLetter> dead;
  private PipelineMetrics metrics;

  @BeforeEach
  void start() {
    ModelRegistry loaded = ModelRegistry.load(TestEvents.modelsDir());
    ModelDescriptor digits = loaded.find("digits_cnn").orElseThrow();
    // a second model whose descriptor asks for TensorFlow, to check routing by descriptor
    ModelDescriptor tfDigits = new ModelDescriptor("digits_tf", "1", digits.file(), "onnx", digits.inputShape(),
        Layout.NCHW, digits.classLabels(), List.of(), "tensorflow");
    ModelRegistry registry = ModelRegistry.of(List.of(digits, tfDigits, loaded.find("wonnx_opt_mnist").orElseThrow()));
    ValidationLimits limits = ValidationLimits.defaults().withMaxTensorBytes(64 * 1024).withMaxBatch(32).withMetadata(4, 256);
    metrics = PipelineMetrics.inMemory();
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "topology-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    driver = new TopologyTestDriver(ExplainTopology.build(TOPICS, new EventValidator(registry, limits), metrics), props);
    requests = driver.createInputTopic(TOPICS.requests(), new ByteArraySerializer(), new ByteArraySerializer());
    pytorch = driver.createOutputTopic(TOPICS.tasksPytorch(), new StringDeserializer(), AvroSerde.explainTask().deserializer());
    tensorflow = driver.createOutputTopic(TOPICS.tasksTensorflow(), new StringDeserializer(), AvroSerde.explainTask().deserializer());
    dead = driver.createOutputTopic(TOPICS.deadLetter(), new StringDeserializer(), AvroSerde.deadLetter().deserializer());
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  @Test
  void validEventFansOutOneTaskPerMethodKeyedByModel() {
    InferenceEvent event = TestEvents.digitsEvent("e1", 0, List.of("gradient", "input_t_gradient")).setTarget(3).build();
    requests.pipeInput("k1".getBytes(), TestEvents.bytes(event));

    List<KeyValue<String, ExplainTask>> tasks = pytorch.readKeyValuesToList();
    assertEquals(2, tasks.size());
    assertEquals(List.of("gradient", "input_t_gradient"), tasks.stream().map(kv -> kv.value.getMethod()).toList());
    for (KeyValue<String, ExplainTask> kv : tasks) {
      ExplainTask t = kv.value;
      assertEquals("digits_cnn", kv.key);
      assertEquals("e1", t.getEventId());
      assertEquals("pytorch", t.getEngine());
      assertEquals("1", t.getModelVersion());
      assertEquals(3, t.getTarget());
      assertEquals(TOPICS.requests(), t.getSourceTopic());
      assertEquals(0, t.getSourcePartition());
      assertEquals(0L, t.getSourceOffset());
      assertEquals(Map.of("source", "test"), t.getMetadata());
      NpyArray x = TestEvents.digit(0);
      assertArrayEquals(x.data(), TensorCodec.toFloatArray(t.getInput()));
    }
    assertTrue(tensorflow.isEmpty());
    assertTrue(dead.isEmpty());
    assertEquals(1.0, metrics.count("signstream.events.in"));
    assertEquals(2.0, metrics.count("signstream.tasks.routed"));
  }

  @Test
  void routesByEventEngineThenDescriptorThenPytorch() {
    requests.pipeInput(TestEvents.bytes(TestEvents.digitsEvent("a", 0, List.of("gradient")).setEngine("tensorflow").build()));
    requests.pipeInput(TestEvents.bytes(TestEvents.digitsEvent("b", 1, List.of("gradient")).setModelId("digits_tf").build()));
    requests.pipeInput(TestEvents.bytes(TestEvents.digitsEvent("c", 2, List.of("gradient")).setModelId("digits_tf")
        .setEngine("pytorch").build()));
    requests.pipeInput(TestEvents.bytes(TestEvents.digitsEvent("d", 3, List.of("gradient")).build()));

    assertEquals(List.of("a", "b"), tensorflow.readValuesToList().stream().map(ExplainTask::getEventId).toList());
    assertEquals(List.of("c", "d"), pytorch.readValuesToList().stream().map(ExplainTask::getEventId).toList());
    assertTrue(dead.isEmpty());
  }

  @Test
  void batchedInputAndDuplicateMethodsGiveOneTaskPerDistinctMethod() {
    NpyArray a = TestEvents.digit(0);
    float[] two = new float[a.data().length * 2];
    System.arraycopy(a.data(), 0, two, 0, a.data().length);
    System.arraycopy(TestEvents.digit(1).data(), 0, two, a.data().length, a.data().length);
    Tensor batch = TensorCodec.fromFloats(two, new long[] {2, 1, 16, 16}, Layout.ANY);
    requests.pipeInput(TestEvents.bytes(TestEvents.event("b2", "digits_cnn", batch,
        List.of("gradient", "gradient", "input_t_gradient")).build()));
    List<ExplainTask> tasks = pytorch.readValuesToList();
    assertEquals(List.of("gradient", "input_t_gradient"), tasks.stream().map(ExplainTask::getMethod).toList());
    assertEquals(List.of(2L, 1L, 16L, 16L), tasks.get(0).getInput().getShape());
    assertNull(tasks.get(0).getTarget());
  }

  @Test
  void undecodableBytesBecomeOneDeadLetterWithTheOriginalBytes() {
    byte[] junk = {1, 2, 3, 4, 5};
    requests.pipeInput(new TestRecord<>("key".getBytes(), junk));
    requests.pipeInput(new TestRecord<>("key2".getBytes(), (byte[]) null));
    byte[] truncated = TestEvents.bytes(TestEvents.digitsEvent("t", 0, List.of("gradient")).build());
    truncated = java.util.Arrays.copyOf(truncated, truncated.length - 7);
    requests.pipeInput(new TestRecord<>((byte[]) null, truncated));

    List<KeyValue<String, DeadLetter>> letters = dead.readKeyValuesToList();
    assertEquals(3, letters.size());
    DeadLetter first = letters.get(0).value;
    assertEquals(ErrorCode.UNDECODABLE, first.getErrorCode());
    assertArrayEquals(junk, bytes(first.getOriginalValue()));
    assertArrayEquals("key".getBytes(), bytes(first.getSourceKey()));
    assertEquals(TOPICS.requests(), first.getSourceTopic());
    assertEquals(0L, first.getSourceOffset());
    assertNull(first.getEventId());
    assertTrue(first.getReason().contains("header"), first.getReason());
    assertEquals(ErrorCode.UNDECODABLE, letters.get(1).value.getErrorCode());
    assertNull(letters.get(1).value.getOriginalValue());
    assertEquals(1L, letters.get(1).value.getSourceOffset());
    assertEquals(ErrorCode.UNDECODABLE, letters.get(2).value.getErrorCode());
    assertArrayEquals(truncated, bytes(letters.get(2).value.getOriginalValue()));
    assertEquals(2L, letters.get(2).value.getSourceOffset());
    assertTrue(pytorch.isEmpty());
  }

  @Test
  void everyMalformedKindGivesExactlyOneDeadLetterWithItsCode() {
    List<Case> cases = new ArrayList<>();
    cases.add(new Case(ErrorCode.UNKNOWN_MODEL, b -> b.setModelId("no_such_model")));
    cases.add(new Case(ErrorCode.UNKNOWN_MODEL, b -> b.setModelVersion("2")));
    cases.add(new Case(ErrorCode.UNKNOWN_METHOD, b -> b.setMethods(List.of("gradient", "no_such_method"))));
    cases.add(new Case(ErrorCode.EMPTY_METHODS, b -> b.setMethods(List.of())));
    cases.add(new Case(ErrorCode.BAD_SHAPE, b -> b.setInput(floats(new float[256], 1, 16, 16))));
    cases.add(new Case(ErrorCode.BAD_SHAPE, b -> b.setInput(floats(new float[512], 1, 2, 16, 16))));
    cases.add(new Case(ErrorCode.BAD_SHAPE, b -> b.setInput(floats(new float[0], 0, 1, 16, 16))));
    cases.add(new Case(ErrorCode.BAD_SHAPE, b -> b.setInput(withData(b.getInput(), 1000))));
    cases.add(new Case(ErrorCode.BAD_DTYPE, b -> b.setInput(TensorCodec.fromInts(new int[256], new long[] {1, 1, 16, 16},
        Layout.NCHW))));
    cases.add(new Case(ErrorCode.BAD_LAYOUT, b -> b.setInput(layout(b.getInput(), Layout.NHWC))));
    cases.add(new Case(ErrorCode.NON_FINITE, b -> b.setInput(withValue(b.getInput(), 17, Float.NaN))));
    cases.add(new Case(ErrorCode.NON_FINITE, b -> b.setInput(withValue(b.getInput(), 3, Float.NEGATIVE_INFINITY))));
    cases.add(new Case(ErrorCode.TOO_LARGE, b -> b.setInput(floats(new float[256 * 100], 100, 1, 16, 16))));
    cases.add(new Case(ErrorCode.TOO_LARGE, b -> b.setInput(floats(new float[256 * 40], 40, 1, 16, 16))));
    cases.add(new Case(ErrorCode.TARGET_OUT_OF_RANGE, b -> b.setTarget(10)));
    cases.add(new Case(ErrorCode.TARGET_OUT_OF_RANGE, b -> b.setTarget(-1)));
    cases.add(new Case(ErrorCode.METADATA_TOO_LARGE, b -> b.setMetadata(Map.of("a", "1", "b", "2", "c", "3", "d", "4", "e", "5"))));
    cases.add(new Case(ErrorCode.METADATA_TOO_LARGE, b -> b.setMetadata(Map.of("a", "x".repeat(300)))));
    cases.add(new Case(ErrorCode.METADATA_TOO_LARGE, b -> b.setParams(Map.of("steps", "x".repeat(300)))));
    cases.add(new Case(ErrorCode.UNKNOWN_ENGINE, b -> b.setEngine("jax")));
    cases.add(new Case(ErrorCode.BAD_EVENT_ID, b -> b.setEventId("  ")));
    cases.add(new Case(ErrorCode.UNKNOWN_MODEL, b -> b.setModelId("")));
    cases.add(new Case(ErrorCode.BAD_PARAMETER, b -> b.setMethods(List.of("integrated_gradients"))
        .setParams(Map.of("steps", "-3"))));
    cases.add(new Case(ErrorCode.BAD_PARAMETER, b -> b.setMethods(List.of("smoothgrad"))
        .setParams(Map.of("noise_scale", "-1"))));
    cases.add(new Case(ErrorCode.BAD_PARAMETER, b -> b.setMethods(List.of("vargrad"))
        .setParams(Map.of("augment_by_n", "lots"))));
    cases.add(new Case(ErrorCode.BAD_PARAMETER, b -> b.setMethods(List.of("lrp_epsilon_wrapper"))
        .setParams(Map.of("epsilon", "NaN"))));
    cases.add(new Case(ErrorCode.TOO_LARGE, b -> b.setEventId("e".repeat(1000))));

    for (int i = 0; i < cases.size(); i++) {
      InferenceEvent.Builder b = TestEvents.digitsEvent("bad-" + i, i, List.of("gradient"));
      cases.get(i).breaker().accept(b);
      byte[] value = TestEvents.bytes(b.build());
      requests.pipeInput(new TestRecord<>(("k" + i).getBytes(), value));

      List<DeadLetter> letters = dead.readValuesToList();
      assertEquals(1, letters.size(), "case " + i);
      DeadLetter d = letters.get(0);
      assertEquals(cases.get(i).code(), d.getErrorCode(), "case " + i + ": " + d.getReason());
      assertArrayEquals(value, bytes(d.getOriginalValue()), "case " + i);
      assertArrayEquals(("k" + i).getBytes(), bytes(d.getSourceKey()));
      assertEquals(i, d.getSourceOffset());
      assertEquals(TOPICS.requests(), d.getSourceTopic());
      assertTrue(d.getReason().length() > 10 && d.getReason().length() < 2000, d.getReason());
      assertTrue(pytorch.isEmpty() && tensorflow.isEmpty(), "case " + i + " made a task");
    }
    assertEquals(cases.size(), metrics.count("signstream.dead.letters"));
  }

  @Test
  void unknownMethodNamesTheMethodAndSuggestsNames() {
    requests.pipeInput(TestEvents.bytes(TestEvents.digitsEvent("m", 0, List.of("gradient", "gradeint")).build()));
    DeadLetter d = dead.readValue();
    assertEquals(ErrorCode.UNKNOWN_METHOD, d.getErrorCode());
    assertEquals("gradeint", d.getMethod());
    assertEquals("m", d.getEventId());
    assertTrue(d.getReason().contains("gradient"), d.getReason());
    assertTrue(pytorch.isEmpty(), "no partial fan-out for a partly invalid request");
  }

  @Test
  void everyBadMethodAndParameterIsNamedInOneDeadLetterAndNothingIsComputed() {
    requests.pipeInput(TestEvents.bytes(TestEvents.digitsEvent("multi", 0,
        List.of("gradient", "integrated_gradients", "gradeint", "smoothgrad"))
        .setParams(Map.of("steps", "-3", "noise_scale", "-0.5")).build()));
    List<DeadLetter> letters = dead.readValuesToList();
    assertEquals(1, letters.size());
    DeadLetter d = letters.get(0);
    assertEquals(ErrorCode.UNKNOWN_METHOD, d.getErrorCode(), d.getReason()); // an unknown name outranks bad values
    assertEquals("integrated_gradients,gradeint,smoothgrad", d.getMethod());
    for (String named : List.of("'integrated_gradients'", "steps=-3", "'gradeint'", "'smoothgrad'", "noise_scale")) {
      assertTrue(d.getReason().contains(named), named + " missing from: " + d.getReason());
    }
    assertTrue(pytorch.isEmpty() && tensorflow.isEmpty(), "the valid gradient of a refused request was routed");
  }

  @Test
  void engineNamesAreMatchedWithoutRegardToCase() {
    requests.pipeInput(TestEvents.bytes(TestEvents.digitsEvent("case", 0, List.of("gradient")).setEngine(" TensorFlow")
        .build()));
    assertEquals("tensorflow", tensorflow.readValue().getEngine());
    assertTrue(dead.isEmpty());
  }

  @Test
  void float64InputIsAccepted() {
    double[] values = new double[256];
    Tensor t = TensorCodec.fromDoubles(values, new long[] {1, 1, 16, 16}, Layout.NCHW);
    requests.pipeInput(TestEvents.bytes(TestEvents.digitsEvent("f64", 0, List.of("gradient")).setInput(t).build()));
    ExplainTask task = pytorch.readValue();
    assertEquals(DType.FLOAT64, task.getInput().getDtype());
  }

  private record Case(ErrorCode code, Consumer<InferenceEvent.Builder> breaker) {}

  private static Tensor floats(float[] data, long... shape) {
    return TensorCodec.fromFloats(data, shape, Layout.NCHW);
  }

  private static Tensor withData(Tensor t, int length) {
    return Tensor.newBuilder(t).setData(ByteBuffer.wrap(new byte[length])).build();
  }

  private static Tensor layout(Tensor t, Layout layout) {
    return Tensor.newBuilder(t).setLayout(layout).build();
  }

  private static Tensor withValue(Tensor t, int index, float value) {
    float[] data = TensorCodec.toFloatArray(t);
    data[index] = value;
    return TensorCodec.fromFloats(data, TensorCodec.shape(t), t.getLayout());
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }
}
