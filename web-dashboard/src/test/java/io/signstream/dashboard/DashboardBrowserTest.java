package io.signstream.dashboard;

import io.signstream.dashboard.messages.DeadLetterMessage;
import io.signstream.dashboard.messages.ExplanationMessage;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The page in Debian's headless Chromium (never a downloaded browser) against a real verticle on a free port,
 * fed from the event bus as the pipeline feeds it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    private Vertx vertx;
    private String deploymentId;
    private int port;
    private WebDriver driver;
    private Path profile;
    private int barrier;

    @BeforeAll
    void start() throws Exception {
        // Fail, never skip: CI installs the browser (.ci/run), so a missing one is a broken machine.
        assertTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "Chromium is not installed: the dashboard tests need /usr/bin/chromium and /usr/bin/chromedriver "
                        + "(apt-get install -y chromium chromium-driver; .ci/run installs them)");
        vertx = Vertx.vertx();
        DashboardVerticle v = new DashboardVerticle(DashboardOptions.defaults().withPort(0));
        deploymentId = vertx.deployVerticle(v).await(10, TimeUnit.SECONDS);
        port = v.actualPort();

        profile = Files.createTempDirectory("chrome-profile");
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM.toString());
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1400,1000", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        driver = new ChromeDriver(service, o); // an explicit driver path keeps Selenium Manager out of it
    }

    @AfterAll
    void stop() throws Exception {
        if (driver != null) {
            driver.quit();
        }
        if (vertx != null) {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
        if (profile != null) {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    @BeforeEach
    void openPage() {
        driver.get("http://127.0.0.1:" + port + "/");
        waitFor("status connected", d -> "connected".equals(text("status")));
    }

    private <T> T waitFor(String what, Function<WebDriver, T> condition) {
        // the page redraws as data arrives: an element found in one poll may be gone when it is read
        return new WebDriverWait(driver, Duration.ofSeconds(10))
                .ignoring(org.openqa.selenium.StaleElementReferenceException.class).withMessage(what).until(condition);
    }

    private String text(String id) {
        return driver.findElement(By.id(id)).getText();
    }

    private int count() {
        return Integer.parseInt(text("count"));
    }

    private void publish(ExplanationMessage m) {
        vertx.eventBus().publish(ExplanationMessage.ADDRESS, m.toJson());
    }

    private void publish(DeadLetterMessage d) {
        vertx.eventBus().publish(DeadLetterMessage.ADDRESS, d.toJson());
    }

    /**
     * Waits until everything published so far has reached the page: dead letters are never filtered and travel
     * on the same websocket after the frames published before them.
     */
    private void drain() {
        String reason = "barrier " + (++barrier);
        publish(Samples.deadLetter("TEST_BARRIER", reason));
        waitFor(reason, d -> d.findElements(By.cssSelector("#dead-letters .reason")).stream()
                .anyMatch(e -> reason.equals(e.getText())));
    }

    private WebElement card(String eventId) {
        return waitFor("card " + eventId,
                d -> d.findElements(By.cssSelector("#grid .card[data-event-id='" + eventId + "']")).stream()
                        .findFirst().orElse(null));
    }

    @SuppressWarnings("unchecked")
    private int[] pixel(WebElement canvas, int x, int y) {
        List<Number> rgb = (List<Number>) ((JavascriptExecutor) driver).executeScript(
                "const d = arguments[0].getContext('2d').getImageData(arguments[1], arguments[2], 1, 1).data;"
                        + "return [d[0], d[1], d[2]];", canvas, x, y);
        return rgb.stream().mapToInt(Number::intValue).toArray();
    }

    /** What the page must draw for a mid-grey input under relevance q/127, with overlay alpha 0.5. */
    private static int[] overlayOnGrey(int q) {
        int[] heat = Seismic.entry(Seismic.index(q / 127.0));
        return new int[]{(128 + heat[0]) / 2, (128 + heat[1]) / 2, (128 + heat[2]) / 2};
    }

    private static void assertColour(int[] expected, int[] actual) {
        for (int c = 0; c < 3; c++) {
            assertTrue(Math.abs(expected[c] - actual[c]) <= 1, "expected about " + java.util.Arrays.toString(expected)
                    + ", got " + java.util.Arrays.toString(actual));
        }
    }

    @Test
    @Order(1)
    void publishedMapAppearsAsSeismicHeatmapCard() {
        int before = count();
        publish(Samples.quadrants("digits_cnn", "lrp_epsilon_0_1", "pytorch", "q1"));
        WebElement card = card("q1");
        assertEquals(before + 1, count());
        assertEquals("digits_cnn", card.getAttribute("data-model"));
        assertTrue(card.getText().contains("lrp_epsilon_0_1"), card.getText());
        assertTrue(card.getText().contains("seven (7)"), card.getText());
        assertTrue(card.getText().contains("1.50 ms"), "latency = queued + compute: " + card.getText());
        WebElement canvas = card.findElement(By.cssSelector("canvas.map"));
        int[] positive = pixel(canvas, 2, 2);
        int[] negative = pixel(canvas, 13, 13);
        assertTrue(positive[0] > positive[2] + 80, "positive relevance is red: " + java.util.Arrays.toString(positive));
        assertTrue(negative[2] > negative[0] + 80, "negative relevance is blue: " + java.util.Arrays.toString(negative));
        assertColour(overlayOnGrey(64), positive);
        assertColour(overlayOnGrey(-64), negative);
        assertColour(overlayOnGrey(127), pixel(canvas, 15, 0));
        assertColour(overlayOnGrey(0), pixel(canvas, 12, 2));
    }

    @Test
    @Order(2)
    @SuppressWarnings("unchecked")
    void pageColourTableIsMatplotlibSeismic() {
        List<Object> result = (List<Object>) ((JavascriptExecutor) driver).executeAsyncScript(
                "const done = arguments[arguments.length - 1];"
                        + "import('/render.js').then(m => done([Array.from(m.SEISMIC),"
                        + " [m.colorIndex(-1), m.colorIndex(0), m.colorIndex(1), m.colorIndex(0.5), m.colorIndex(NaN)]]));");
        List<Number> lut = (List<Number>) result.get(0);
        assertEquals(768, lut.size());
        for (int i = 0; i < 256; i++) {
            int[] e = Seismic.entry(i);
            for (int c = 0; c < 3; c++) {
                assertEquals(e[c], lut.get(i * 3 + c).intValue(), "entry " + i + " channel " + c);
            }
        }
        // METHODS.md: R = 0 gives entry 128 = (1, 0.992157, 0.992157), not pure white
        assertEquals(List.of(255, 253, 253), lut.subList(384, 387).stream().map(Number::intValue).toList());
        assertEquals(List.of(0L, 128L, 255L, 192L, -1L), result.get(1));
    }

    @Test
    @Order(3)
    void clickOpensLargeViewWithRawRangeAndColourScale() {
        publish(Samples.quadrants("digits_cnn", "gradient", "tensorflow", "q2"));
        card("q2").click();
        WebElement detail = waitFor("detail view", d -> d.findElement(By.id("detail")).isDisplayed()
                ? d.findElement(By.id("detail")) : null);
        String range = text("detail-range");
        assertTrue(range.contains("min -0.500") && range.contains("max 1.000"), range);
        assertEquals("-1.00", text("colorbar-min"));
        assertEquals("1.00", text("colorbar-max"));
        WebElement bar = driver.findElement(By.id("colorbar"));
        assertColour(Seismic.entry(0), pixel(bar, 0, 5));
        assertColour(Seismic.entry(255), pixel(bar, 255, 5));
        assertColour(Seismic.entry(Seismic.index(64 / 127.0)), pixel(driver.findElement(By.id("detail-heat")), 2, 2));
        assertTrue(detail.getText().contains("seven (7)"), detail.getText());
        new Actions(driver).sendKeys(Keys.ESCAPE).perform();
        waitFor("detail closed", d -> !d.findElement(By.id("detail")).isDisplayed());
    }

    @Test
    @Order(4)
    void modelFilterIsAppliedOnTheServer() {
        publish(Samples.tabular("model-a", "gradient", "pytorch", "f0"));
        publish(Samples.tabular("model-b", "gradient", "pytorch", "f0"));
        // the options come from the catalogue in the health push (every second)
        waitFor("model-a in the filter", d -> new Select(d.findElement(By.id("filter-model"))).getOptions().stream()
                .anyMatch(o -> "model-a".equals(o.getAttribute("value"))));
        new Select(driver.findElement(By.id("filter-model"))).selectByValue("model-a");
        waitFor("filter acknowledged", d -> "model=model-a".equals(
                d.findElement(By.id("filter-status")).getAttribute("data-applied")));
        assertEquals(0, driver.findElements(By.cssSelector("#grid .card")).size(), "a new filter starts a new grid");

        int before = count();
        for (int i = 1; i <= 3; i++) {
            publish(Samples.tabular("model-b", "gradient", "pytorch", "fb" + i));
        }
        publish(Samples.tabular("model-a", "gradient", "pytorch", "fa1"));
        card("fa1");
        drain();
        assertEquals(before + 1, count(), "only model-a's map was received");
        for (WebElement c : driver.findElements(By.cssSelector("#grid .card"))) {
            assertEquals("model-a", c.getAttribute("data-model"));
        }
    }

    @Test
    @Order(5)
    void pauseStopsMapsUntilResumed() {
        driver.findElement(By.id("pause")).click();
        waitFor("pause acknowledged", d -> "true".equals(d.findElement(By.id("pause")).getAttribute("data-applied")));
        int before = count();
        publish(Samples.tabular("model-a", "gradient", "pytorch", "p1"));
        drain();
        assertEquals(before, count());
        driver.findElement(By.id("pause")).click();
        waitFor("resume acknowledged", d -> "false".equals(d.findElement(By.id("pause")).getAttribute("data-applied")));
        publish(Samples.tabular("model-a", "gradient", "pytorch", "p2"));
        card("p2");
    }

    @Test
    @Order(6)
    void deadLetterShowsWithItsReasonAndCode() {
        publish(Samples.deadLetter("BAD_SHAPE", "input has 255 values, shape [1,1,16,16] needs 256"));
        WebElement item = waitFor("dead letter", d -> d.findElements(By.cssSelector("#dead-letters li.dead-letter"))
                .stream().filter(e -> "BAD_SHAPE".equals(e.getAttribute("data-code"))).findFirst().orElse(null));
        assertTrue(item.getText().contains("input has 255 values"), item.getText());
        assertTrue(item.getText().contains("signstream.requests[0]@42"), item.getText());
        waitFor("count by code", d -> !d.findElements(By.cssSelector("#dead-letter-codes .chip[data-code='BAD_SHAPE']"))
                .isEmpty());
    }

    @Test
    @Order(7)
    void bothEnginesGiveComparisonWithPearsonR() {
        ExplanationMessage tf = Samples.rgbNhwc("small_vgg", "lrp_epsilon_0_1", "tensorflow", "cmp1");
        ExplanationMessage pt = Samples.asNchw(tf, "pytorch", 0.02);
        publish(tf);
        publish(pt);
        WebElement cmp = waitFor("comparison", d -> d.findElements(By.cssSelector("#comparisons .comparison"))
                .stream().filter(e -> "cmp1".equals(e.getAttribute("data-event-id"))).findFirst().orElse(null));
        double r = Double.parseDouble(cmp.getAttribute("data-r"));
        double expected = Comparison.of(pt, tf).pearson();
        assertEquals(expected, r, 1e-9);
        assertTrue(r > 0.99 && r < 1, "close but not identical maps: r = " + r);
        assertTrue(cmp.findElement(By.className("r")).getText().startsWith("r = 0.99"), cmp.getText());
        assertTrue(cmp.findElement(By.className("diff")).getText().startsWith("max|Δ| = "), cmp.getText());
        List<WebElement> sides = cmp.findElements(By.cssSelector("figcaption"));
        assertTrue(sides.get(0).getText().startsWith("pytorch") && sides.get(1).getText().startsWith("tensorflow"));
    }

    @Test
    @Order(8)
    void screenshotOfAFullDashboard() throws Exception {
        String[] methods = {"gradient", "lrp_epsilon_0_1", "lrpsign_epsilon_0_1", "gradient_x_sign"};
        for (int i = 0; i < 4; i++) {
            publish(Samples.digit("digits_cnn", methods[i], i % 2 == 0 ? "pytorch" : "tensorflow", "d" + i, 28));
        }
        publish(Samples.series("ts_cnn", "gradient", "pytorch", "s1"));
        publish(Samples.tabular("mlp", "lrp_z", "tensorflow", "t1"));
        ExplanationMessage tf = Samples.rgbNhwc("small_vgg", "gradient", "tensorflow", "v1");
        publish(tf);
        publish(Samples.asNchw(tf, "pytorch", 0.05));
        publish(Samples.deadLetter("UNKNOWN_MODEL", "no model 'resnet50' in the registry"));
        card("v1");
        card("s1");
        Thread.sleep(1500); // one health push with the figures of all of them
        Path target = Path.of("target");
        Files.createDirectories(target);
        File png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Files.copy(png.toPath(), target.resolve("dashboard.png"), StandardCopyOption.REPLACE_EXISTING);
        card("s1").click();
        waitFor("detail", d -> d.findElement(By.id("detail")).isDisplayed());
        png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Files.copy(png.toPath(), target.resolve("dashboard-detail.png"), StandardCopyOption.REPLACE_EXISTING);
        assertTrue(Files.size(target.resolve("dashboard.png")) > 10_000);
    }

    @Test
    @Order(10)
    void tokenPageWorksInTheBrowser() throws Exception {
        DashboardVerticle exposed = new DashboardVerticle(DashboardOptions.defaults().withHost("0.0.0.0").withPort(0));
        String id = vertx.deployVerticle(exposed).await(10, TimeUnit.SECONDS);
        try {
            driver.get("http://127.0.0.1:" + exposed.actualPort() + "/");
            assertTrue(driver.findElement(By.tagName("body")).getText().contains("token required"));
            driver.get("http://127.0.0.1:" + exposed.actualPort() + "/?token=" + exposed.token());
            waitFor("connected with the token", d -> "connected".equals(text("status")));
            publish(Samples.tabular("mlp", "gradient", "pytorch", "tok1"));
            card("tok1");
        } finally {
            vertx.undeploy(id).await(10, TimeUnit.SECONDS);
        }
    }

    @Test
    @Order(9)
    void framesOverTheCapAreSkippedAndTheCountShown() throws Exception {
        DashboardVerticle capped = new DashboardVerticle(DashboardOptions.defaults().withPort(0).withMaxFramesPerSecond(2));
        String id = vertx.deployVerticle(capped).await(10, TimeUnit.SECONDS);
        try {
            driver.get("http://127.0.0.1:" + capped.actualPort() + "/");
            waitFor("connected", d -> "connected".equals(text("status")));
            for (int i = 0; i < 20; i++) {
                publish(Samples.tabular("mlp", "gradient", "pytorch", "burst" + i));
            }
            // the stats frame comes with the next health push, within a second
            waitFor("skipped count", d -> Integer.parseInt(text("skipped")) >= 17);
            assertTrue(count() <= 3, "at most a one-second burst got through: " + count());
            assertEquals("0", text("dropped"));
        } finally {
            vertx.undeploy(id).await(10, TimeUnit.SECONDS);
        }
    }

    @Test
    @Order(11)
    void pageReconnectsAfterServerRestart() throws Exception {
        vertx.undeploy(deploymentId).await(10, TimeUnit.SECONDS);
        waitFor("disconnected", d -> "disconnected".equals(text("status")));
        DashboardVerticle again = new DashboardVerticle(DashboardOptions.defaults().withPort(port));
        deploymentId = vertx.deployVerticle(again).await(10, TimeUnit.SECONDS);
        waitFor("reconnected", d -> "connected".equals(text("status")));
        int before = count();
        publish(Samples.digit("digits_cnn", "gradient", "pytorch", "after-restart", 16));
        card("after-restart");
        assertEquals(before + 1, count());
    }
}
