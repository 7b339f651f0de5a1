package dev.llmlb.host.resolve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmlb.host.support.Catalogs;
import dev.llmlb.host.support.LogCapture;
import dev.llmlb.host.support.TestNode;
import dev.llmlb.host.support.Wait;
import dev.llmlb.testkit.hub.FakeHub;
import dev.llmlb.testkit.hub.Fault;
import dev.llmlb.testkit.http.TestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static dev.llmlb.host.support.TestNode.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The user's document end to end against the fake hub: a listed model is fetched on first use, once. */
class ModelResolutionTest {

    private static final String REPO = "org/echo";
    private static final String FILE = "echo-Q4_K_M.bin";
    private static final String CHAT = "{\"model\": \"echo\", \"max_tokens\": 5, "
            + "\"messages\": [{\"role\": \"user\", \"content\": \"Hello!\"}]}";

    private final FakeHub hub = FakeHub.start();
    private final byte[] model = ("Hello world! " + "x".repeat(5_000_000)).getBytes(StandardCharsets.UTF_8);
    private final List<TestNode> nodes = new ArrayList<>();
    @TempDir
    Path home;

    @AfterEach
    void stop() {
        nodes.forEach(TestNode::close);
        hub.close();
    }

    private TestNode start(String... settings) {
        Map<String, String> map = new HashMap<>(Map.of("HF_ENDPOINT", hub.endpoint().toString()));
        for (int i = 0; i < settings.length; i += 2) {
            map.put(settings[i], settings[i + 1]);
        }
        TestNode node = TestNode.start(home, Catalogs.of(Catalogs.scripted("echo", REPO, FILE, model)), map);
        nodes.add(node);
        return node;
    }

    private static String content(TestClient.Response response) {
        assertEquals(200, response.status(), response.body());
        return json(response.body()).get("choices").get(0).get("message").get("content").asText();
    }

    private Path modelDir() {
        return home.resolve("models").resolve("echo");
    }

    @Test
    void theFirstRequestDownloadsVerifiesLoadsAndAnswersWithTheDocumentsLogLines() {
        hub.repo(REPO).lfsFile(FILE, model);
        try (LogCapture log = new LogCapture()) {
            TestNode node = start();
            assertEquals("not_downloaded", node.status("echo").get("status").asText());
            assertEquals("Hello", content(node.client().post("/v1/chat/completions", CHAT)));

            List<String> lines = log.lines().stream().filter(l -> Stream.of("Model resolution started",
                    "Model not found locally", "Download progress", "Download completed", "Model loaded successfully")
                    .anyMatch(l::contains)).toList();
            assertEquals("[INFO] Model resolution started: echo", lines.get(0));
            assertEquals("[INFO] Model not found locally, downloading from HuggingFace...", lines.get(1));
            for (int decile = 1; decile <= 10; decile++) {
                String share = ProgressLog.megabytes(model.length * (long) decile / 10);
                assertEquals("[INFO] Download progress: " + decile * 10 + "% (" + share + " / 5 MB)",
                        lines.get(1 + decile));
            }
            assertEquals("[INFO] Download progress: 10% (0.5 MB / 5 MB)", lines.get(2));
            assertEquals("[INFO] Download progress: 100% (5 MB / 5 MB)", lines.get(11));
            assertEquals("[INFO] Download completed: echo", lines.get(12));
            assertEquals("[INFO] Model loaded successfully", lines.get(13));
            assertEquals(14, lines.size(), lines.toString());
        }
        TestNode node = nodes.get(0);
        JsonNode status = node.status("echo");
        assertEquals("loaded", status.get("status").asText());
        assertEquals(1.0, status.get("progress").asDouble());
        assertEquals(model.length, status.get("downloaded_bytes").asLong());
        assertEquals(model.length, status.get("total_bytes").asLong());
        assertEquals(modelDir().toString(), status.get("local_path").asText());
        assertTrue(Files.exists(modelDir().resolve("manifest.json")));
        assertFalse(Files.exists(modelDir().resolve(".partial")), "partial downloads are cleaned up");
        assertFalse(Files.exists(home.resolve("models/.locks/echo.lock")), "the lock is released");
        assertEquals(1, hub.requests(REPO, FILE));
    }

    @Test
    void aModelOnDiskIsServedWithoutTheNetwork() {
        hub.repo(REPO).lfsFile(FILE, model);
        start().client().post("/v1/chat/completions", CHAT);
        nodes.remove(0).close();
        hub.resetCounters();
        TestNode restarted = start("HF_HUB_OFFLINE", "1");
        assertEquals("local", restarted.status("echo").get("status").asText());
        assertEquals("Hello", content(restarted.client().post("/v1/chat/completions", CHAT)));
        assertEquals(0, hub.requestLog().size());
    }

    @Test
    void twentyConcurrentRequestsShareOneDownload() throws Exception {
        hub.repo(REPO).lfsFile(FILE, model);
        hub.fault(REPO, FILE, Fault.throttle(10_000_000));
        TestNode node = start("LLMLB_QUEUE_SIZE", "32");
        ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
        List<Future<TestClient.Response>> answers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            answers.add(clients.submit(() -> node.client().post("/v1/chat/completions", CHAT)));
        }
        for (Future<TestClient.Response> answer : answers) {
            assertEquals("Hello", content(answer.get()));
        }
        clients.shutdown();
        assertEquals(1, hub.requests(REPO, FILE), "one resolve request");
        assertEquals(1, hub.cdnRequests(REPO, FILE), "one transfer");
        assertEquals(model.length, hub.bodyBytesServed(REPO, FILE));
    }

    @Test
    void theStatusShowsDownloadingThenWaitingForTheNextInLine() {
        byte[] second = ("Second " + "y".repeat(3_000_000)).getBytes(StandardCharsets.UTF_8);
        hub.repo(REPO).lfsFile(FILE, model);
        hub.repo("org/second").lfsFile("second.bin", second);
        hub.fault(REPO, FILE, Fault.throttle(4_000_000));
        TestNode node = TestNode.start(home, Catalogs.of(Catalogs.scripted("echo", REPO, FILE, model),
                        Catalogs.scripted("second", "org/second", "second.bin", second)),
                Map.of("HF_ENDPOINT", hub.endpoint().toString()));
        nodes.add(node);
        assertEquals(202, node.client().post("/v0/models/echo/pull", "").status());
        Wait.until("echo downloads", Duration.ofSeconds(10),
                () -> node.status("echo").get("status").asText().equals("downloading")
                        && node.status("echo").get("downloaded_bytes").asLong() > 0);
        assertEquals(202, node.client().post("/v0/models/second/pull", "").status());
        Wait.until("second waits", Duration.ofSeconds(10),
                () -> node.status("second").get("status").asText().equals("waiting"));
        JsonNode downloading = node.status("echo");
        double progress = downloading.get("progress").asDouble();
        assertTrue(progress > 0 && progress < 1, downloading.toString());
        assertEquals(model.length, downloading.get("total_bytes").asLong());
        assertTrue(Files.exists(home.resolve("models/.locks/echo.lock")));
        JsonNode lock = json(readString(home.resolve("models/.locks/echo.lock")));
        assertEquals(ProcessHandle.current().pid(), lock.get("pid").asLong());
        Wait.until("both complete", Duration.ofSeconds(20),
                () -> node.status("second").get("status").asText().equals("completed"));
        assertEquals("completed", node.status("echo").get("status").asText());
        assertEquals(200, node.client().post("/v0/models/echo/pull", "").status(), "already local");
    }

    @Test
    void theEventsStreamFollowsAPullUntilTheModelSettles() {
        hub.repo(REPO).lfsFile(FILE, model);
        hub.fault(REPO, FILE, Fault.throttle(5_000_000));
        TestNode node = start();
        try (TestClient.EventStream idle = node.client().events("/v0/models/echo/events")) {
            assertEquals(List.of("not_downloaded"), idle.rest().stream().map(e -> json(e).get("status").asText())
                    .toList(), "an idle model gets its status once");
        }
        assertEquals(202, node.client().post("/v0/models/echo/pull", "").status());
        List<JsonNode> events;
        try (TestClient.EventStream stream = node.client().events("/v0/models/echo/events")) {
            events = stream.rest().stream().map(TestNode::json).toList();
        }
        List<String> states = events.stream().map(e -> e.get("status").asText()).distinct().toList();
        assertTrue(states.contains("downloading"), states.toString());
        assertEquals("completed", states.get(states.size() - 1));
        long[] bytes = events.stream().mapToLong(e -> e.get("downloaded_bytes").asLong()).toArray();
        for (int i = 1; i < bytes.length; i++) {
            assertTrue(bytes[i] >= bytes[i - 1], "progress never goes back");
        }
        assertTrue(events.stream().filter(e -> e.get("status").asText().equals("downloading")).count() >= 2,
                "progress is reported while downloading: " + events);
    }

    @Test
    void aRequestWaitsAtMostTheTimeoutThenGets503WhileTheDownloadGoesOn() {
        hub.repo(REPO).lfsFile(FILE, model);
        hub.fault(REPO, FILE, Fault.throttle(2_500_000));
        TestNode node = start("LLMLB_DOWNLOAD_TIMEOUT", "1s");
        TestClient.Response busy = node.client().post("/v1/chat/completions", CHAT);
        assertEquals(503, busy.status(), busy.body());
        assertEquals("model_downloading", json(busy.body()).get("error").get("code").asText());
        assertTrue(Integer.parseInt(busy.header("Retry-After").orElseThrow()) > 0);
        Wait.until("the download finishes anyway", Duration.ofSeconds(20),
                () -> node.status("echo").get("status").asText().equals("completed"));
        assertEquals("Hello", content(node.client().post("/v1/chat/completions", CHAT)));
    }

    @Test
    void aStalledDownloadFailsAsNetworkTimeoutAndTheNextRequestRetries() {
        hub.repo(REPO).lfsFile(FILE, model);
        hub.fault(REPO, FILE, Fault.stallAfterBytes(1_000_000, Duration.ofSeconds(30)));
        TestNode node = start("LLMLB_DOWNLOAD_TIMEOUT", "1s");
        TestClient.Response failed = node.client().post("/v1/chat/completions", CHAT);
        assertEquals(504, failed.status(), failed.body());
        JsonNode error = json(failed.body()).get("error");
        assertEquals("Failed to download model: Network timeout", error.get("message").asText());
        assertEquals("server_error", error.get("type").asText());
        assertEquals("download_failed", error.get("code").asText());
        JsonNode status = node.status("echo");
        assertEquals("error", status.get("status").asText());
        assertEquals("download_failed", status.get("error_code").asText());
        assertEquals("Failed to download model: Network timeout", status.get("error_message").asText());
        assertFalse(Files.exists(modelDir().resolve("manifest.json")));
        hub.clearFaults();
        assertEquals("Hello", content(node.client().post("/v1/chat/completions", CHAT)));
    }

    @Test
    void wrongBytesFailVerificationAndLeaveNoModel() {
        hub.repo(REPO).lfsFile(FILE, model);
        hub.fault(REPO, FILE, Fault.wrongBytes());
        TestNode node = start();
        TestClient.Response failed = node.client().post("/v1/chat/completions", CHAT);
        assertEquals(502, failed.status(), failed.body());
        assertTrue(json(failed.body()).get("error").get("message").asText()
                .startsWith("Failed to download model: checksum mismatch for " + FILE), failed.body());
        assertFalse(Files.exists(modelDir().resolve(FILE)));
        assertFalse(Files.exists(modelDir().resolve("manifest.json")));
        assertFalse(node.status("echo").get("status").asText().equals("local"));
    }

    @Test
    void aPrivateRepositoryWorksWithTheTokenFromDotEnvAndFailsClearlyWithout() throws Exception {
        hub.repo(REPO).lfsFile(FILE, model).requireToken("hf_xxxxxxxxxxxxxxxxxxxx");
        TestNode without = start();
        TestClient.Response refused = without.client().post("/v1/chat/completions", CHAT);
        assertEquals(502, refused.status());
        String message = json(refused.body()).get("error").get("message").asText();
        assertTrue(message.startsWith("Failed to download model: ") && message.contains("HF_TOKEN"), message);
        nodes.remove(0).close();

        Files.writeString(home.resolve(".env"), "HF_TOKEN=hf_xxxxxxxxxxxxxxxxxxxx\n");
        try (LogCapture log = new LogCapture()) {
            TestNode with = start();
            assertEquals("Hello", content(with.client().post("/v1/chat/completions", CHAT)));
            assertTrue(log.lines().stream().noneMatch(l -> l.contains("hf_xxxxxxxxxxxxxxxxxxxx")),
                    "the token is never logged");
        }
        assertEquals(0, hub.authorizationHeadersSeenByCdn());
    }

    @Test
    void offlineModeFailsFastForMissingModels() {
        hub.repo(REPO).lfsFile(FILE, model);
        TestNode node = start("HF_HUB_OFFLINE", "1");
        long started = System.nanoTime();
        TestClient.Response failed = node.client().post("/v1/chat/completions", CHAT);
        assertTrue(System.nanoTime() - started < Duration.ofSeconds(2).toNanos());
        assertEquals(502, failed.status());
        assertTrue(json(failed.body()).get("error").get("message").asText().contains("HF_HUB_OFFLINE"));
        assertEquals(0, hub.requestLog().size());
    }

    @Test
    void aRestartMidDownloadResumesAndThePartialFileIsNeverServed() {
        hub.repo(REPO).lfsFile(FILE, model);
        hub.fault(REPO, FILE, Fault.throttle(2_000_000));
        TestNode first = start();
        first.client().post("/v0/models/echo/pull", "");
        Wait.until("a third is on disk", Duration.ofSeconds(10),
                () -> first.status("echo").get("downloaded_bytes").asLong() > model.length / 3);
        nodes.remove(0).close();
        assertFalse(Files.exists(modelDir().resolve("manifest.json")));
        assertFalse(Files.exists(modelDir().resolve(FILE)), "the partial file never takes the final name");
        hub.clearFaults();
        TestNode second = start();
        assertEquals("not_downloaded", second.status("echo").get("status").asText(),
                "a partial download is not a model");
        assertEquals("Hello", content(second.client().post("/v1/chat/completions", CHAT)));
        assertTrue(hub.bodyBytesServed(REPO, FILE) < model.length * 3L / 2,
                "resumed, not downloaded twice: " + hub.bodyBytesServed(REPO, FILE));
        assertTrue(hub.requestLog().stream().anyMatch(r -> r.range() != null && r.status() == 206));
    }

    @Test
    void twoNodesOnOneModelsFolderDownloadOnce() throws Exception {
        hub.repo(REPO).lfsFile(FILE, model);
        hub.fault(REPO, FILE, Fault.throttle(10_000_000));
        TestNode a = start();
        TestNode b = start();
        ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
        Future<TestClient.Response> fromA = clients.submit(() -> a.client().post("/v1/chat/completions", CHAT));
        Future<TestClient.Response> fromB = clients.submit(() -> b.client().post("/v1/chat/completions", CHAT));
        assertEquals("Hello", content(fromA.get()));
        assertEquals("Hello", content(fromB.get()));
        clients.shutdown();
        assertEquals(1, hub.cdnRequests(REPO, FILE), hub.requestLog().toString());
    }

    @Test
    void deleteRemovesTheFilesAndTheNextRequestFetchesAgain() {
        hub.repo(REPO).lfsFile(FILE, model);
        TestNode node = start();
        content(node.client().post("/v1/chat/completions", CHAT));
        TestClient.Response deleted = node.client().delete("/v0/models/echo");
        assertEquals(200, deleted.status(), deleted.body());
        assertTrue(json(deleted.body()).get("deleted").asBoolean());
        assertFalse(Files.exists(modelDir()));
        assertEquals("not_downloaded", node.status("echo").get("status").asText());
        content(node.client().post("/v1/chat/completions", CHAT));
        assertEquals(2, hub.cdnRequests(REPO, FILE));
        assertEquals(404, node.client().delete("/v0/models/unknown").status());
    }

    @Test
    void aMissingFileOnTheHubIsADownloadFailureThatSaysWhich() {
        hub.repo(REPO).file("README.md", "no weights here");
        TestNode node = start();
        TestClient.Response failed = node.client().post("/v1/chat/completions", CHAT);
        assertEquals(502, failed.status());
        assertTrue(json(failed.body()).get("error").get("message").asText().contains("EntryNotFound"),
                failed.body());
    }

    private static String readString(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
