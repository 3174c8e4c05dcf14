package io.signstream.stream.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.schemas.AvroSerde;
import io.signstream.schemas.ExplainTask;
import io.signstream.schemas.TopicNames;
import io.signstream.stream.TestEvents;
import io.signstream.stream.config.TopologySettings;
import io.signstream.stream.config.ValidationLimits;
import io.signstream.stream.metrics.PipelineMetrics;
import io.signstream.stream.registry.ModelRegistry;
import io.signstream.stream.topology.EventValidator;
import io.signstream.stream.topology.DeadLetters;
import io.signstream.stream.topology.ExplainTopology;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;

/** The request topology's cross-check step: a sampled event's tasks go to both engines, others to one. */
class CrossCheckRoutingTest {

  private static final TopicNames TOPICS = new TopicNames("cc.");

  @Test
  void sampledEventsAreRoutedToBothEnginesAndTheRestToTheirOwn() {
    CrossCheck crossCheck = new CrossCheck(0.5, List.of("pytorch", "tensorflow"));
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "cross-check-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    EventValidator validator = new EventValidator(ModelRegistry.load(TestEvents.modelsDir()), ValidationLimits.defaults());
    try (TopologyTestDriver driver = new TopologyTestDriver(
        ExplainTopology.build(TOPICS, validator, PipelineMetrics.inMemory(), DeadLetters.DEFAULT,
            TopologySettings.TaskKey.MODEL, crossCheck), props)) {
      TestInputTopic<byte[], byte[]> requests = driver.createInputTopic(TOPICS.requests(), new ByteArraySerializer(),
          new ByteArraySerializer());
      TestOutputTopic<String, ExplainTask> pytorch = driver.createOutputTopic(TOPICS.tasksPytorch(),
          new StringDeserializer(), AvroSerde.explainTask().deserializer());
      TestOutputTopic<String, ExplainTask> tensorflow = driver.createOutputTopic(TOPICS.tasksTensorflow(),
          new StringDeserializer(), AvroSerde.explainTask().deserializer());
      int sampled = 0;
      for (int i = 0; i < 40; i++) {
        String id = "ev" + i;
        requests.pipeInput(TestEvents.bytes(TestEvents.digitsEvent(id, i % 4, List.of("gradient", "lrp_epsilon_0_1"))
            .build()));
        List<ExplainTask> pt = pytorch.readValuesToList();
        List<ExplainTask> tf = tensorflow.readValuesToList();
        assertEquals(2, pt.size(), "the request's own engine gets every method");
        if (crossCheck.sampled(id)) {
          sampled++;
          assertEquals(2, tf.size(), id + " is sampled: the copies go to TensorFlow");
          for (int m = 0; m < 2; m++) {
            assertEquals(pt.get(m).getMethod(), tf.get(m).getMethod());
            assertEquals(pt.get(m).getInput(), tf.get(m).getInput());
            assertEquals("tensorflow", tf.get(m).getEngine());
          }
        } else {
          assertTrue(tf.isEmpty(), id + " is not sampled");
        }
      }
      assertTrue(sampled > 5 && sampled < 35, "about half sampled: " + sampled);
    }
  }
}
