package dev.llmlb.testkit.hub;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FakeHubTest {

    private final FakeHub hub = FakeHub.start();
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private final byte[] weights = random(300_000);

    @AfterEach
    void stop() {
        hub.close();
    }

    private static byte[] random(int size) {
        byte[] bytes = new byte[size];
        new Random(42).nextBytes(bytes);
        return bytes;
    }

    private HttpResponse<byte[]> get(URI uri, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri);
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private URI resolve(String repo, String path) {
        return URI.create(hub.endpoint() + "/" + repo + "/resolve/main/" + path);
    }

    @Test
    void smallFilesAnswer200WithTheirGitEtagAndCommit() throws Exception {
        FakeRepo repo = hub.repo("org/model").file("config.json", "{\"a\":1}");
        HttpResponse<byte[]> response = get(resolve("org/model", "config.json"));
        assertEquals(200, response.statusCode());
        assertEquals("{\"a\":1}", new String(response.body(), StandardCharsets.UTF_8));
        assertEquals(repo.commit(), response.headers().firstValue("X-Repo-Commit").orElseThrow());
        assertEquals(40, response.headers().firstValue("ETag").orElseThrow().replace("\"", "").length());
        assertEquals(1, hub.requests("org/model", "config.json"));
    }

    @Test
    void lfsFilesRedirectToTheCdnWithTheirChecksumAndSize() throws Exception {
        FakeRepo repo = hub.repo("org/model").lfsFile("model.gguf", weights);
        HttpResponse<byte[]> redirect = get(resolve("org/model", "model.gguf"));
        assertEquals(302, redirect.statusCode());
        String sha = Content.of(weights).sha256();
        assertEquals("\"" + sha + "\"", redirect.headers().firstValue("X-Linked-Etag").orElseThrow());
        assertEquals(Integer.toString(weights.length), redirect.headers().firstValue("X-Linked-Size").orElseThrow());
        assertEquals(repo.commit(), redirect.headers().firstValue("X-Repo-Commit").orElseThrow());
        URI location = URI.create(redirect.headers().firstValue("Location").orElseThrow());
        assertNotEquals(hub.endpoint().getHost(), location.getHost(), "the CDN is another host");
        HttpResponse<byte[]> body = get(location);
        assertEquals(200, body.statusCode());
        assertArrayEquals(weights, body.body());
        assertEquals(weights.length, hub.bodyBytesServed("org/model", "model.gguf"));
    }

    @Test
    void theCdnHonoursRanges() throws Exception {
        hub.repo("org/model").lfsFile("model.gguf", weights);
        URI cdn = URI.create(get(resolve("org/model", "model.gguf")).headers().firstValue("Location").orElseThrow());
        HttpResponse<byte[]> part = get(cdn, "Range", "bytes=1000-");
        assertEquals(206, part.statusCode());
        assertEquals("bytes 1000-" + (weights.length - 1) + "/" + weights.length,
                part.headers().firstValue("Content-Range").orElseThrow());
        assertArrayEquals(Arrays.copyOfRange(weights, 1000, weights.length), part.body());
        assertEquals(416, get(cdn, "Range", "bytes=" + weights.length + "-").statusCode());
        HttpResponse<Void> head = http.send(HttpRequest.newBuilder(cdn).method("HEAD",
                HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
        assertEquals(200, head.statusCode());
        assertEquals(Integer.toString(weights.length), head.headers().firstValue("Content-Length").orElseThrow());
    }

    @Test
    void missingThingsAre404WithTheHubsErrorCodes() throws Exception {
        hub.repo("org/model").file("config.json", "{}");
        assertErrorCode(get(resolve("org/nothing", "x")), 404, "RepoNotFound");
        assertErrorCode(get(URI.create(hub.endpoint() + "/org/model/resolve/v9/config.json")), 404,
                "RevisionNotFound");
        assertErrorCode(get(resolve("org/model", "missing.json")), 404, "EntryNotFound");
    }

    @Test
    void privateRepositoriesNeedTheirTokenAndGatedOnesRefuseIt() throws Exception {
        hub.repo("org/private").file("config.json", "{}").requireToken("hf_secret");
        assertErrorCode(get(resolve("org/private", "config.json")), 401, "RepoNotFound");
        assertErrorCode(get(resolve("org/private", "config.json"), "Authorization", "Bearer hf_wrong"), 401,
                "RepoNotFound");
        assertEquals(200, get(resolve("org/private", "config.json"), "Authorization", "Bearer hf_secret")
                .statusCode());
        hub.repo("org/gated").file("config.json", "{}").gated(true);
        assertErrorCode(get(resolve("org/gated", "config.json")), 403, "GatedRepo");
    }

    @Test
    void theTreeListsFilesWithTheirLfsChecksums() throws Exception {
        hub.repo("org/model").file("config.json", "{}").lfsFile("onnx/model.onnx", weights);
        String tree = new String(get(URI.create(hub.endpoint() + "/api/models/org/model/tree/main?recursive=true"))
                .body(), StandardCharsets.UTF_8);
        assertTrue(tree.contains("\"path\":\"config.json\""), tree);
        assertTrue(tree.contains("\"path\":\"onnx/model.onnx\""), tree);
        assertTrue(tree.contains("\"type\":\"directory\",\"oid\""), tree);
        assertTrue(tree.contains("\"lfs\":{\"oid\":\"" + Content.of(weights).sha256() + "\",\"size\":"
                + weights.length), tree);
        String flat = new String(get(URI.create(hub.endpoint() + "/api/models/org/model/tree/main")).body(),
                StandardCharsets.UTF_8);
        assertFalse(flat.contains("onnx/model.onnx"), flat);
        String info = new String(get(URI.create(hub.endpoint() + "/api/models/org/model")).body(),
                StandardCharsets.UTF_8);
        assertTrue(info.contains("{\"rfilename\":\"onnx/model.onnx\"}"), info);
    }

    @Test
    void faultsHappenOnDemand() throws Exception {
        hub.repo("org/model").lfsFile("model.gguf", weights);
        URI cdn = URI.create(get(resolve("org/model", "model.gguf")).headers().firstValue("Location").orElseThrow());

        hub.fault("org/model", "model.gguf", Fault.serverError(503, 1));
        assertEquals(503, get(cdn).statusCode());
        assertEquals(200, get(cdn).statusCode());

        hub.fault("org/model", "model.gguf", Fault.dropAfterBytes(1000, 1));
        assertThrows(IOException.class, () -> get(cdn));
        assertArrayEquals(weights, get(cdn).body(), "a drop happens the given number of times");
        hub.clearFaults();

        hub.fault("org/model", "model.gguf", Fault.ignoreRange());
        HttpResponse<byte[]> ignored = get(cdn, "Range", "bytes=5-");
        assertEquals(200, ignored.statusCode());
        assertEquals(weights.length, ignored.body().length);
        hub.clearFaults();

        hub.fault("org/model", "model.gguf", Fault.wrongBytes());
        byte[] wrong = get(cdn).body();
        assertEquals(weights.length, wrong.length);
        assertFalse(Arrays.equals(weights, wrong));
        hub.clearFaults();

        hub.fault("org/model", "model.gguf", Fault.throttle(1_000_000));
        long started = System.nanoTime();
        get(cdn);
        assertTrue(System.nanoTime() - started > Duration.ofMillis(200).toNanos(), "300 kB at 1 MB/s");
        hub.clearFaults();

        hub.fault("org/model", "model.gguf", Fault.stallAfterBytes(100, Duration.ofSeconds(5)));
        HttpClient impatient = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(cdn).timeout(Duration.ofMillis(500)).build();
        assertThrows(IOException.class, () -> impatient.send(request, HttpResponse.BodyHandlers.ofByteArray()));
    }

    @Test
    void treeListingsComeInLinkedPagesWhenAsked() throws Exception {
        hub.repo("org/model").file("a.json", "{}").file("b.json", "{}").file("c.json", "{}");
        hub.paginateTree(2);
        HttpResponse<byte[]> first = get(URI.create(hub.endpoint() + "/api/models/org/model/tree/main?recursive=true"));
        String link = first.headers().firstValue("Link").orElseThrow();
        assertEquals("<" + hub.endpoint() + "/api/models/org/model/tree/main?recursive=true&cursor=2>; rel=\"next\"",
                link);
        String page1 = new String(first.body(), StandardCharsets.UTF_8);
        assertTrue(page1.contains("a.json") && page1.contains("b.json") && !page1.contains("c.json"), page1);
        HttpResponse<byte[]> second = get(URI.create(link.substring(1, link.indexOf('>'))));
        assertEquals("[{", new String(second.body(), StandardCharsets.UTF_8).substring(0, 2));
        assertTrue(new String(second.body(), StandardCharsets.UTF_8).contains("c.json"));
        assertTrue(second.headers().firstValue("Link").isEmpty(), "the last page links nowhere");
        assertEquals(2, hub.listingRequests("org/model"));
    }

    @Test
    void aListingCanStallAfterItsHeaders() {
        hub.repo("org/model").file("a.json", "{}");
        hub.faultListing("org/model", Fault.stallAfterBytes(0, Duration.ofSeconds(5)));
        HttpRequest request = HttpRequest.newBuilder(URI.create(hub.endpoint()
                + "/api/models/org/model/tree/main?recursive=true")).build();
        long started = System.nanoTime();
        HttpResponse<java.io.InputStream> response = assertDoesNotThrow(() -> http.send(request,
                HttpResponse.BodyHandlers.ofInputStream()));
        assertEquals(200, response.statusCode(), "the headers come at once");
        assertTrue(System.nanoTime() - started < Duration.ofSeconds(2).toNanos());
        assertThrows(IOException.class, () -> {
            try (java.io.InputStream body = response.body()) {
                body.readAllBytes();
            }
        });
        assertTrue(System.nanoTime() - started >= Duration.ofSeconds(4).toNanos(), "the body never came");
    }

    @Test
    void eachConnectionCanBeCapped() throws Exception {
        hub.repo("org/model").lfsFile("model.gguf", weights);
        hub.capEachConnection(1_000_000);
        URI cdn = URI.create(get(resolve("org/model", "model.gguf")).headers().firstValue("Location").orElseThrow());
        long started = System.nanoTime();
        assertArrayEquals(weights, get(cdn).body());
        assertTrue(System.nanoTime() - started > Duration.ofMillis(200).toNanos(), "300 kB at 1 MB/s");
        assertEquals(1, hub.peakConcurrentTransfers());
    }

    @Test
    void largeFilesAreServedFromDisk(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("big.bin");
        Files.write(file, random(3 << 20));
        hub.repo("org/big").lfsFile("big.bin", file);
        URI cdn = URI.create(get(resolve("org/big", "big.bin")).headers().firstValue("Location").orElseThrow());
        assertArrayEquals(Files.readAllBytes(file), get(cdn).body());
        assertEquals(0, hub.authorizationHeadersSeenByCdn());
        get(cdn, "Authorization", "Bearer leaked");
        assertEquals(1, hub.authorizationHeadersSeenByCdn());
    }

    private static void assertErrorCode(HttpResponse<byte[]> response, int status, String code) {
        assertEquals(status, response.statusCode());
        assertEquals(code, response.headers().firstValue("X-Error-Code").orElseThrow());
    }
}
