package dev.llmlb.host.resolve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmlb.api.ModelSpec;
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

import java.io.RandomAccessFile;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.llmlb.host.support.TestNode.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12's findings retried the way they were measured, through a node against the fake hub: what is on disk
 * counts only when verified, nothing hangs, slow links complete, an unreachable hub fails fast and says what to do.
 */
class TrustedDownloadsTest {

    private static final String REPO = "org/echo";
    private static final String FILE = "echo.bin";
    private static final String CHAT = "{\"model\": \"echo\", \"max_tokens\": 5, "
            + "\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}";

    private final FakeHub hub = FakeHub.start();
    private final List<TestNode> nodes = new ArrayList<>();
    @TempDir
    Path home;

    @AfterEach
    void stop() {
        nodes.forEach(TestNode::close);
        hub.close();
    }

    private static byte[] text(String start, int size) {
        return (start + "x".repeat(size - start.length())).getBytes(StandardCharsets.UTF_8);
    }

    /** An entry of the test source for {@code FILE} of {@code REPO}, with its SHA-256 when asked, and tags. */
    private static String entry(String id, String repo, byte[] content, boolean withSha, String... tags) {
        return "{\"id\":\"" + id + "\",\"source\":\"test_files\",\"repo_id\":\"" + repo + "\",\"artifacts\":[{"
                + "\"filename\":\"" + FILE + "\",\"size_bytes\":" + content.length
                + (withSha ? ",\"sha256\":\"" + Catalogs.sha256(content) + "\"" : "") + "}],\"tags\":["
                + String.join(",", List.of(tags).stream().map(t -> "\"" + t + "\"").toList()) + "]}";
    }

    private TestNode start(String catalog, String... settings) {
        Map<String, String> map = new HashMap<>(Map.of("HF_ENDPOINT", hub.endpoint().toString()));
        for (int i = 0; i < settings.length; i += 2) {
            map.put(settings[i], settings[i + 1]);
        }
        TestNode node = TestNode.start(home, catalog, map);
        nodes.add(node);
        return node;
    }

    private void restart() {
        nodes.remove(nodes.size() - 1).close();
    }

    private static String content(TestClient.Response response) {
        assertEquals(200, response.status(), response.body());
        return json(response.body()).get("choices").get(0).get("message").get("content").asText();
    }

    private Path modelDir() {
        return home.resolve("models/echo");
    }

    /** Item 1: a catalog entry changed to a new file is fetched anew; the old file is never served. */
    @Test
    void aCatalogEntryChangedToANewFileIsFetchedInsteadOfServingTheOldOne() throws Exception {
        byte[] old = text("Hello world! ", 3_000_000);
        byte[] renewed = text("Howdy there! ", 3_500_000);
        hub.repo(REPO).lfsFile(FILE, old);
        assertEquals("Hello", content(start(Catalogs.of(entry("echo", REPO, old, true))).client()
                .post("/v1/chat/completions", CHAT)));
        restart();

        hub.repo(REPO).lfsFile(FILE, renewed);
        TestNode node = start(Catalogs.of(entry("echo", REPO, renewed, true)));
        assertEquals("not_downloaded", node.status("echo").get("status").asText(), "the old file is not the model");
        assertEquals("Howdy", content(node.client().post("/v1/chat/completions", CHAT)));
        assertEquals(Catalogs.sha256(renewed), Catalogs.sha256(Files.readAllBytes(modelDir().resolve(FILE))));
        JsonNode manifest = json(Files.readString(modelDir().resolve("manifest.json")));
        assertEquals(Catalogs.sha256(renewed), manifest.get("files").get(0).get("sha256").asText());
        assertEquals(renewed.length, manifest.get("files").get(0).get("size").asLong());
    }

    /** Item 1: a fetch that finds every file on disk (a crash after the moves) lists them all in the manifest. */
    @Test
    void aModelWhoseFilesWereAllOnDiskIsListedWholeAndServedOfflineAfterwards() throws Exception {
        byte[] model = text("Hello world! ", 4_000_000);
        hub.repo(REPO).lfsFile(FILE, model);
        String catalog = Catalogs.of(entry("echo", REPO, model, false));
        start(catalog).client().post("/v0/models/echo/pull", "");
        Wait.until("pulled", Duration.ofSeconds(20), () -> Files.exists(modelDir().resolve("manifest.json")));
        restart();
        // As if the process died after moving the file and before writing the manifest.
        Files.delete(modelDir().resolve("manifest.json"));
        hub.resetCounters();

        TestNode again = start(catalog);
        assertEquals("Hello", content(again.client().post("/v1/chat/completions", CHAT)));
        assertEquals(0, hub.bodyBytesServed(REPO, FILE), "the file on disk matched: kept, not fetched again");
        JsonNode manifest = json(Files.readString(modelDir().resolve("manifest.json")));
        assertEquals(1, manifest.get("files").size(), manifest.toString());
        assertEquals(FILE, manifest.get("files").get(0).get("path").asText());
        assertEquals(Catalogs.sha256(model), manifest.get("files").get(0).get("sha256").asText());
        assertEquals(2, manifest.get("format_version").asInt());
        restart();

        TestNode offline = start(catalog, "HF_HUB_OFFLINE", "1");
        JsonNode status = offline.status("echo");
        assertEquals("local", status.get("status").asText());
        assertEquals(model.length, status.get("total_bytes").asLong(), "its size counts");
        assertEquals("Hello", content(offline.client().post("/v1/chat/completions", CHAT)));
    }

    /** Item 1 and issue 11: a file deleted or cut short by another process makes the model not local, cheaply. */
    @Test
    void findLocalNoticesAFileDeletedOrCutShortOnDisk() throws Exception {
        byte[] model = text("Hello world! ", 2_000_000);
        hub.repo(REPO).lfsFile(FILE, model);
        Files.writeString(home.resolve("supported_models.json"), Catalogs.of(entry("echo", REPO, model, false)));
        try (ResolverFixture fixture = ResolverFixture.open(home, Map.of("HF_ENDPOINT", hub.endpoint().toString()),
                DownloadLock.Timing.DEFAULT)) {
            ModelSpec spec = fixture.spec("echo");
            ModelFetcher fetcher = fixture.resolver();
            fetcher.fetch(spec, new NoListener());
            assertTrue(fetcher.findLocal(spec).isPresent());
            try (RandomAccessFile file = new RandomAccessFile(modelDir().resolve(FILE).toFile(), "rw")) {
                file.setLength(model.length - 1);
            }
            assertTrue(fetcher.findLocal(spec).isEmpty(), "a file cut short");
            fetcher.fetch(spec, new NoListener());
            assertTrue(fetcher.findLocal(spec).isPresent());
            Files.delete(modelDir().resolve(FILE));
            assertTrue(fetcher.findLocal(spec).isEmpty(), "a file deleted");
        }
    }

    /** Item 1: after a catalog change the files that still match are kept, hashed once even across failed tries. */
    @Test
    void filesThatStillMatchAreKeptAndHashedOnceAcrossFailedTries() throws Exception {
        byte[] weights = text("Hello world! ", 3_000_000);
        byte[] tokenizer = text("{\"v\":1}", 2_000);
        byte[] newTokenizer = text("{\"v\":2}", 2_500);
        hub.repo(REPO).lfsFile(FILE, weights).file("tokenizer.json", tokenizer);
        Files.writeString(home.resolve("supported_models.json"), Catalogs.of(twoFiles(weights, tokenizer)));
        try (ResolverFixture fixture = ResolverFixture.open(home, Map.of("HF_ENDPOINT", hub.endpoint().toString()),
                DownloadLock.Timing.DEFAULT)) {
            fixture.resolver().fetch(fixture.spec("echo"), new NoListener());
        }
        Files.writeString(home.resolve("supported_models.json"), Catalogs.of(twoFiles(weights, newTokenizer)));
        hub.repo(REPO).remove("tokenizer.json");
        hub.resetCounters();
        try (LogCapture log = new LogCapture();
             ResolverFixture fixture = ResolverFixture.open(home, Map.of("HF_ENDPOINT", hub.endpoint().toString()),
                     DownloadLock.Timing.DEFAULT)) {
            ModelSpec spec = fixture.spec("echo");
            assertTrue(fixture.resolver().findLocal(spec).isEmpty(), "the catalog changed: not local");
            assertThrows(FetchException.class, () -> fixture.resolver().fetch(spec, new NoListener()),
                    "the new tokenizer is not on the hub yet");
            hub.repo(REPO).file("tokenizer.json", newTokenizer);
            fixture.resolver().fetch(spec, new NoListener());
            assertTrue(fixture.resolver().findLocal(spec).isPresent());
            assertEquals(List.of(), log.matching("Verifying " + FILE), "its hash was remembered, never recomputed");
        }
        assertEquals(0, hub.bodyBytesServed(REPO, FILE), "the weights still matched: kept");
        assertEquals(new String(newTokenizer, StandardCharsets.UTF_8),
                Files.readString(modelDir().resolve("tokenizer.json")));
    }

    private static String twoFiles(byte[] weights, byte[] tokenizer) {
        return "{\"id\":\"echo\",\"source\":\"test_files\",\"repo_id\":\"" + REPO + "\",\"artifacts\":["
                + "{\"filename\":\"" + FILE + "\",\"size_bytes\":" + weights.length + "},"
                + "{\"filename\":\"tokenizer.json\",\"size_bytes\":" + tokenizer.length + "}]}";
    }

    /** Item 2: a listing that sends headers and then nothing holds up no other model, and ends as a timeout. */
    @Test
    void aStalledListingHoldsUpNoOtherModelAndEndsAsATimeout() throws Exception {
        byte[] stuck = text("Stuck ", 100_000);
        byte[] other = text("Other model ", 1_000_000);
        hub.repo(REPO).lfsFile(FILE, stuck);
        hub.repo("org/other").lfsFile(FILE, other);
        hub.faultListing(REPO, Fault.stallAfterBytes(0, Duration.ofMinutes(2)));
        TestNode node = start(Catalogs.of(entry("echo", REPO, stuck, false, "reads_tree"),
                        entry("other", "org/other", other, false, "reads_tree")),
                "LLMLB_HUB_TIMEOUT", "1s", "LLMLB_DOWNLOAD_TIMEOUT", "20s");
        CompletableFuture<TestClient.Response> stalled = CompletableFuture.supplyAsync(
                () -> node.client().post("/v1/chat/completions", CHAT));
        Wait.until("the stalled listing is being read", Duration.ofSeconds(10), () -> hub.listingRequests(REPO) > 0);

        long started = System.nanoTime();
        TestClient.Response answer = node.client().post("/v1/chat/completions",
                CHAT.replace("\"echo\"", "\"other\""));
        assertEquals("Other", content(answer));
        assertTrue(System.nanoTime() - started < Duration.ofSeconds(8).toNanos(), "not held up by the other model");

        TestClient.Response failed = stalled.get(30, TimeUnit.SECONDS);
        assertEquals(504, failed.status(), failed.body());
        JsonNode error = json(failed.body()).get("error");
        assertEquals("download_failed", error.get("code").asText());
        assertTrue(error.get("message").asText().startsWith("Failed to download model: Network timeout"),
                error.toString());
        assertEquals(3, hub.listingRequests(REPO), "timed out after LLMLB_HUB_TIMEOUT, retried twice");
        assertEquals(200, node.client().delete("/v0/models/echo").status(), "nothing hangs: DELETE goes through");
    }

    /** Item 5: an unreachable hub fails within 3 s, and the message says what to do. */
    @Test
    void anUnreachableHubFailsWithinThreeSecondsSayingWhatToDo() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        byte[] model = text("Hello ", 1000);
        TestNode node = start(Catalogs.of(entry("echo", REPO, model, false, "reads_tree")),
                "HF_ENDPOINT", "http://127.0.0.1:" + closed);
        long started = System.nanoTime();
        TestClient.Response failed = node.client().post("/v1/chat/completions", CHAT);
        assertTrue(System.nanoTime() - started < Duration.ofSeconds(3).toNanos(),
                "took " + (System.nanoTime() - started) / 1_000_000 + " ms");
        assertEquals(502, failed.status(), failed.body());
        JsonNode error = json(failed.body()).get("error");
        assertEquals("download_failed", error.get("code").asText());
        String message = error.get("message").asText();
        assertTrue(message.startsWith("Failed to download model: cannot reach http://127.0.0.1:" + closed), message);
        assertTrue(message.contains("HF_ENDPOINT") && message.contains("HF_HUB_OFFLINE=1")
                && message.contains("llmlb-node demo"), message);
    }

    /** Item 3: a link of 8 kB/s completes with a 30 s timeout, though no 30 s bring 1 MiB. */
    @Test
    void aLinkOfEightKilobytesPerSecondCompletesWithAThirtySecondTimeout() throws Exception {
        // 264 kB at 8 kB/s: 33 s, longer than the timeout, so only progress counted in bytes keeps it alive.
        byte[] model = text("Hello slow world! ", 264_000);
        hub.repo(REPO).lfsFile(FILE, model);
        hub.fault(REPO, FILE, Fault.throttle(8_000));
        TestNode node = start(Catalogs.of(entry("echo", REPO, model, false)), "LLMLB_DOWNLOAD_TIMEOUT", "30s");
        assertEquals(202, node.client().post("/v0/models/echo/pull", "").status());
        Wait.until("the slow download completes", Duration.ofSeconds(60), () -> !node.status("echo").get("status")
                .asText().matches("waiting|downloading|not_downloaded"));
        JsonNode status = node.status("echo");
        assertEquals("completed", status.get("status").asText(), status.toString());
        assertEquals("Hello", content(node.client().post("/v1/chat/completions", CHAT)));
    }

    private static final class NoListener implements FetchListener {
        @Override
        public void waiting(long downloaded, long total) {
        }

        @Override
        public void downloading(long downloaded, long total) {
        }
    }
}
