package io.signstream.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class TopicNamesTest {

  @Test
  void defaultPrefix() {
    TopicNames t = TopicNames.defaults();
    assertEquals("signstream.", t.prefix());
    assertEquals("signstream.requests", t.requests());
    assertEquals("signstream.tasks.pytorch", t.tasksPytorch());
    assertEquals("signstream.tasks.tensorflow", t.tasksTensorflow());
    assertEquals("signstream.tasks.pytorch", t.tasks(Engines.PYTORCH));
    assertEquals("signstream.explanations", t.explanations());
    assertEquals("signstream.dead-letter", t.deadLetter());
    assertEquals(List.of("signstream.requests", "signstream.tasks.pytorch", "signstream.tasks.tensorflow",
        "signstream.explanations", "signstream.dead-letter"), t.all());
  }

  @Test
  void customAndEmptyPrefixes() {
    assertEquals("staging-1_requests", new TopicNames("staging-1_").requests());
    assertEquals("dead-letter", new TopicNames("").deadLetter());
  }

  @Test
  void rejectsIllegalPrefixesAndEngines() {
    assertThrows(IllegalArgumentException.class, () -> new TopicNames("bad prefix/"));
    assertThrows(IllegalArgumentException.class, () -> new TopicNames("x".repeat(240)));
    assertThrows(NullPointerException.class, () -> new TopicNames(null));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TopicNames.defaults().tasks("onnx"));
    assertTrue(e.getMessage().contains("onnx"));
  }

  @Test
  void engineNames() {
    assertTrue(Engines.isKnown("pytorch"));
    assertTrue(Engines.isKnown("tensorflow"));
    assertFalse(Engines.isKnown("PyTorch"));
    assertFalse(Engines.isKnown(null));
  }
}
