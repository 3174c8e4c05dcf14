package io.signstream.stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.engine.npy.NpyArray;
import io.signstream.engine.npy.NpyFile;
import io.signstream.schemas.Layout;
import io.signstream.schemas.TensorCodec;
import io.signstream.stream.config.StreamConfig;
import io.signstream.stream.config.WorkerSettings;
import io.signstream.stream.kafka.EmbeddedKafka;
import io.signstream.stream.worker.ComputerFactory;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import io.signstream.schemas.TopicNames;

/**
 * The dashboard in Debian's headless Chromium against the whole embedded pipeline: real KRaft broker, Kafka
 * Streams topology, worker verticle computing with the engine. An event produced to the requests topic shows up as
 * a heat map; a model filter hides the other model; a malformed event shows up in the dead-letter panel.
 */
class PipelineDashboardBrowserTest {

  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  private static EmbeddedKafka kafka;
  private static Pipeline pipeline;
  private static StreamConfig config;
  private static WebDriver driver;
  private static KafkaProducer<byte[], byte[]> producer;

  @BeforeAll
  static void start() throws Exception {
    assertTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "Chromium is not installed: these tests need /usr/bin/chromium and /usr/bin/chromedriver "
            + "(apt-get install -y chromium chromium-driver; .ci/run installs them)");
    kafka = EmbeddedKafka.start();
    config = StreamConfig.defaults(kafka.bootstrapServers(), TestEvents.modelsDir())
        .withTopics(new TopicNames("ui."), "ui.topology")
        .withTopicLayout(1, (short) 1)
        .withHttp("127.0.0.1", 0)
        .withWorker(WorkerSettings.defaults().withEngines(List.of("pytorch"), 1).withBatching(8, 5, 256));
    pipeline = Pipeline.start(config, ComputerFactory.engine(), null);
    producer = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
        new ByteArraySerializer(), new ByteArraySerializer());

    ChromeOptions o = new ChromeOptions();
    o.setBinary(CHROMIUM.toString());
    o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--window-size=1400,1000",
        "--user-data-dir=" + Files.createTempDirectory("chrome-profile"));
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
    driver = new ChromeDriver(service, o);
  }

  @AfterAll
  static void stop() {
    if (driver != null) {
      driver.quit();
    }
    if (producer != null) {
      producer.close();
    }
    if (pipeline != null) {
      pipeline.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  private static <T> T waitFor(String what, Duration timeout, Function<WebDriver, T> condition) {
    // the page redraws as data arrives: an element found in one poll may be gone when it is read
    return new WebDriverWait(driver, timeout).ignoring(org.openqa.selenium.StaleElementReferenceException.class)
        .withMessage(what).until(condition);
  }

  private static void send(byte[] value) {
    producer.send(new ProducerRecord<>(config.topics().requests(), value));
    producer.flush();
  }

  private static byte[] digits(String id) {
    return TestEvents.bytes(TestEvents.digitsEvent(id, 0, List.of("lrp_epsilon_0_1")).build());
  }

  private static byte[] mnist(String id) throws Exception {
    NpyArray x = NpyFile.read(TestEvents.modelsDir().resolve("wonnx_opt_mnist/canonical/digit5.input.npy"));
    return TestEvents.bytes(TestEvents.event(id, "wonnx_opt_mnist",
        TensorCodec.fromFloats(x.data(), x.shape(), Layout.NCHW), List.of("gradient")).build());
  }

  private static boolean hasCard(WebDriver d, String eventId) {
    return !d.findElements(By.cssSelector("#grid .card[data-event-id='" + eventId + "']")).isEmpty();
  }

  @Test
  void eventsAppearLiveFiltersHideOtherModelsAndDeadLettersShow() throws Exception {
    driver.get(pipeline.dashboardUrl());
    waitFor("status connected", Duration.ofSeconds(20),
        d -> "connected".equals(d.findElement(By.id("status")).getText()));

    send(digits("ui-1"));
    waitFor("the digits heat map", Duration.ofSeconds(60), d -> hasCard(d, "ui-1"));
    String card = driver.findElement(By.cssSelector("#grid .card[data-event-id='ui-1']")).getText();
    assertTrue(card.contains("lrp_epsilon_0_1") && card.contains("digits_cnn"), card);
    send(mnist("ui-2"));
    waitFor("the mnist heat map", Duration.ofSeconds(60), d -> hasCard(d, "ui-2"));

    waitFor("digits_cnn in the model filter", Duration.ofSeconds(10),
        d -> new Select(d.findElement(By.id("filter-model"))).getOptions().stream()
            .anyMatch(e -> "digits_cnn".equals(e.getAttribute("value"))));
    new Select(driver.findElement(By.id("filter-model"))).selectByValue("digits_cnn");
    send(mnist("ui-3"));
    send(digits("ui-4"));
    waitFor("the filtered digits heat map", Duration.ofSeconds(60), d -> hasCard(d, "ui-4"));
    assertTrue(!hasCard(driver, "ui-3"), "the filter must hide wonnx_opt_mnist");

    send(new byte[] {0x01, 0x02, 0x03, 0x04});
    waitFor("the dead letter", Duration.ofSeconds(60),
        d -> d.findElement(By.id("dead-letters")).getText().contains("UNDECODABLE"));

    File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
    Path target = Path.of("target", "pipeline-dashboard.png");
    Files.createDirectories(target.getParent());
    Files.copy(shot.toPath(), target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }
}
