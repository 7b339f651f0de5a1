package dev.llmlb.host.download;

import dev.llmlb.api.source.RemoteFile;
import dev.llmlb.host.support.Wait;
import dev.llmlb.testkit.hub.Content;
import dev.llmlb.testkit.hub.FakeHub;
import dev.llmlb.testkit.hub.Fault;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FileDownloaderTest {

    private static final String REPO = "org/model";
    private final FakeHub hub = FakeHub.start();
    private final byte[] weights = random(6 << 20);
    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        hub.close();
    }

    private static byte[] random(int size) {
        byte[] bytes = new byte[size];
        new Random(7).nextBytes(bytes);
        return bytes;
    }

    private DownloadSettings settings() {
        return DownloadSettings.defaults(hub.endpoint()).withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(5))
                .withAttempts(4, Duration.ofMillis(10));
    }

    private RemoteFile file(String path, long size) {
        return new RemoteFile(path, URI.create(hub.endpoint() + "/" + REPO + "/resolve/main/" + path), size,
                Optional.empty());
    }

    private Path partial(String path) {
        return dir.resolve(".partial").resolve(path + ".part");
    }

    private DownloadedFile download(FileDownloader downloader, RemoteFile file) throws DownloadException {
        return downloader.download(file, partial(file.path()), dir.resolve(file.path()), bytes -> { }, () -> false);
    }

    @Test
    void fetchesSmallAndLfsFilesVerifiedAgainstTheHubsChecksum() throws Exception {
        hub.repo(REPO).file("config.json", "{\"n\":1}").lfsFile("model.gguf", weights);
        try (FileDownloader downloader = new FileDownloader(settings())) {
            DownloadedFile config = download(downloader, file("config.json", RemoteFile.UNKNOWN_SIZE));
            assertEquals("{\"n\":1}", Files.readString(dir.resolve("config.json")));
            assertEquals(7, config.sizeBytes());
            DownloadedFile model = download(downloader, file("model.gguf", weights.length));
            assertArrayEquals(weights, Files.readAllBytes(dir.resolve("model.gguf")));
            assertEquals(Content.of(weights).sha256(), model.sha256());
            assertFalse(Files.exists(partial("model.gguf")), "no partial file is left behind");
            assertEquals(weights.length, downloader.probeSize(file("model.gguf", RemoteFile.UNKNOWN_SIZE)));
        }
    }

    @Test
    void aDroppedConnectionResumesWhereItStopped() throws Exception {
        hub.repo(REPO).lfsFile("model.gguf", weights);
        hub.fault(REPO, "model.gguf", Fault.dropAfterBytes(2_500_000, 2));
        try (FileDownloader downloader = new FileDownloader(settings())) {
            download(downloader, file("model.gguf", weights.length));
        }
        assertArrayEquals(weights, Files.readAllBytes(dir.resolve("model.gguf")));
        assertTrue(hub.requestLog().stream().anyMatch(r -> r.server().equals("cdn") && r.range() != null
                && r.status() == 206), hub.requestLog().toString());
        assertTrue(hub.bodyBytesServed(REPO, "model.gguf") < 2L * weights.length,
                "resumed, not started over: " + hub.bodyBytesServed(REPO, "model.gguf"));
    }

    @Test
    void aCancelledDownloadResumesInANewDownloaderAsAfterARestart() throws Exception {
        hub.repo(REPO).lfsFile("model.gguf", weights);
        hub.fault(REPO, "model.gguf", Fault.throttle(8_000_000));
        AtomicBoolean stop = new AtomicBoolean();
        try (FileDownloader first = new FileDownloader(settings())) {
            DownloadException cancelled = assertThrows(DownloadException.class, () -> first.download(
                    file("model.gguf", weights.length), partial("model.gguf"), dir.resolve("model.gguf"),
                    bytes -> stop.set(bytes >= 4 << 20), stop::get));
            assertEquals(DownloadException.Kind.CANCELLED, cancelled.kind());
        }
        long kept = Files.size(partial("model.gguf"));
        assertTrue(kept >= 4 << 20, "the partial file stays: " + kept);
        assertFalse(Files.exists(dir.resolve("model.gguf")), "a partial file is never the model");
        hub.clearFaults();
        hub.resetCounters();
        try (FileDownloader second = new FileDownloader(settings())) {
            download(second, file("model.gguf", weights.length));
        }
        assertArrayEquals(weights, Files.readAllBytes(dir.resolve("model.gguf")));
        assertEquals(weights.length - kept, hub.bodyBytesServed(REPO, "model.gguf"));
    }

    @Test
    void aServerThatIgnoresTheRangeMakesItStartOver() throws Exception {
        hub.repo(REPO).lfsFile("model.gguf", weights);
        hub.fault(REPO, "model.gguf", Fault.dropAfterBytes(1_000_000, 1), Fault.ignoreRange());
        try (FileDownloader downloader = new FileDownloader(settings())) {
            download(downloader, file("model.gguf", weights.length));
        }
        assertArrayEquals(weights, Files.readAllBytes(dir.resolve("model.gguf")),
                "a 200 body is never appended to the partial file");
    }

    @Test
    void wrongBytesFailVerificationAndLeaveNothing() {
        hub.repo(REPO).lfsFile("model.gguf", weights);
        hub.fault(REPO, "model.gguf", Fault.wrongBytes());
        try (FileDownloader downloader = new FileDownloader(settings())) {
            DownloadException e = assertThrows(DownloadException.class,
                    () -> download(downloader, file("model.gguf", weights.length)));
            assertEquals(DownloadException.Kind.VERIFICATION_FAILED, e.kind());
            assertTrue(e.reason().startsWith("checksum mismatch for model.gguf: expected sha256 "
                    + Content.of(weights).sha256()), e.reason());
        }
        assertFalse(Files.exists(dir.resolve("model.gguf")));
        assertFalse(Files.exists(partial("model.gguf")));
    }

    @Test
    void anOperatorChecksumIsEnforced() {
        hub.repo(REPO).lfsFile("model.gguf", weights);
        RemoteFile pinned = new RemoteFile("model.gguf", file("model.gguf", 0).uri(), weights.length,
                Optional.of("0".repeat(64)));
        try (FileDownloader downloader = new FileDownloader(settings())) {
            DownloadException e = assertThrows(DownloadException.class, () -> download(downloader, pinned));
            assertEquals(DownloadException.Kind.VERIFICATION_FAILED, e.kind());
        }
    }

    @Test
    void aTokenGoesToTheHubButNeverToTheCdn() throws Exception {
        hub.repo(REPO).lfsFile("model.gguf", weights).requireToken("hf_secret");
        RemoteFile withToken = new RemoteFile("model.gguf", file("model.gguf", 0).uri(), weights.length,
                Optional.empty(), Map.of("Authorization", "Bearer hf_secret"));
        try (FileDownloader downloader = new FileDownloader(settings())) {
            download(downloader, withToken);
        }
        assertArrayEquals(weights, Files.readAllBytes(dir.resolve("model.gguf")));
        assertEquals(0, hub.authorizationHeadersSeenByCdn());
    }

    @Test
    void aPrivateRepositoryWithoutTokenSaysToSetHfToken() {
        hub.repo(REPO).lfsFile("model.gguf", weights).requireToken("hf_secret");
        try (FileDownloader downloader = new FileDownloader(settings())) {
            DownloadException e = assertThrows(DownloadException.class,
                    () -> download(downloader, file("model.gguf", weights.length)));
            assertEquals(DownloadException.Kind.UNAUTHORIZED, e.kind());
            assertTrue(e.reason().contains("HF_TOKEN"), e.reason());
            assertEquals(1, hub.requests(REPO, "model.gguf"), "a 401 is not retried");
        }
    }

    @Test
    void aStalledTransferFailsAsNetworkTimeout() {
        hub.repo(REPO).lfsFile("model.gguf", weights);
        hub.fault(REPO, "model.gguf", Fault.stallAfterBytes(100_000, Duration.ofSeconds(10)));
        DownloadSettings impatient = settings().withTimeouts(Duration.ofMillis(700), Duration.ofSeconds(5));
        long started = System.nanoTime();
        try (FileDownloader downloader = new FileDownloader(impatient)) {
            DownloadException e = assertThrows(DownloadException.class,
                    () -> download(downloader, file("model.gguf", weights.length)));
            assertEquals(DownloadException.Kind.NETWORK_TIMEOUT, e.kind());
            assertEquals("Network timeout", e.reason());
        }
        assertTrue(System.nanoTime() - started < Duration.ofSeconds(5).toNanos());
    }

    @Test
    void aFullDiskIsReportedBeforeWriting() {
        hub.repo(REPO).lfsFile("model.gguf", weights);
        try (FileDownloader downloader = new FileDownloader(settings().withFreeSpace(folder -> 1_000_000))) {
            DownloadException e = assertThrows(DownloadException.class,
                    () -> download(downloader, file("model.gguf", weights.length)));
            assertEquals(DownloadException.Kind.DISK_FULL, e.kind());
            assertTrue(e.reason().contains("not enough disk space"), e.reason());
        }
        assertFalse(Files.exists(dir.resolve("model.gguf")));
    }

    @Test
    void serverErrorsAreRetriedThenSucceed() throws Exception {
        hub.repo(REPO).lfsFile("model.gguf", weights);
        hub.fault(REPO, "model.gguf", Fault.serverError(503, 2));
        try (FileDownloader downloader = new FileDownloader(settings())) {
            download(downloader, file("model.gguf", weights.length));
        }
        assertArrayEquals(weights, Files.readAllBytes(dir.resolve("model.gguf")));
        assertEquals(3, hub.cdnRequests(REPO, "model.gguf"));
    }

    @Test
    void aLinkThatKeepsDroppingButMakesProgressIsNotGivenUp() throws Exception {
        hub.repo(REPO).lfsFile("model.gguf", weights);
        // Six drops with maxAttempts 4: each attempt adds bytes, so the download goes on.
        hub.fault(REPO, "model.gguf", Fault.dropAfterBytes(1_000_000, 6));
        try (FileDownloader downloader = new FileDownloader(settings())) {
            download(downloader, file("model.gguf", weights.length));
        }
        assertArrayEquals(weights, Files.readAllBytes(dir.resolve("model.gguf")));
    }

    @Test
    void notFoundSaysWhatIsMissing() {
        hub.repo(REPO).file("config.json", "{}");
        try (FileDownloader downloader = new FileDownloader(settings())) {
            DownloadException entry = assertThrows(DownloadException.class,
                    () -> download(downloader, file("missing.gguf", 10)));
            assertEquals(DownloadException.Kind.NOT_FOUND, entry.kind());
            assertTrue(entry.reason().contains("EntryNotFound"), entry.reason());
            RemoteFile noRepo = new RemoteFile("x", URI.create(hub.endpoint() + "/org/none/resolve/main/x"), 1,
                    Optional.empty());
            DownloadException repo = assertThrows(DownloadException.class, () -> download(downloader, noRepo));
            assertTrue(repo.reason().contains("RepoNotFound") && repo.reason().contains("repo_id"), repo.reason());
        }
    }

    @Test
    void offlineNeverTouchesTheNetwork() {
        hub.repo(REPO).file("config.json", "{}");
        DownloadSettings offline = settings().withOffline(true);
        try (FileDownloader downloader = new FileDownloader(offline)) {
            DownloadException e = assertThrows(DownloadException.class,
                    () -> download(downloader, file("config.json", 2)));
            assertEquals(DownloadException.Kind.OFFLINE, e.kind());
        }
        assertEquals(0, hub.requestLog().size());
    }

    @Test
    void progressIsReportedAsBytesArrive() throws Exception {
        hub.repo(REPO).lfsFile("model.gguf", weights);
        AtomicLong last = new AtomicLong();
        AtomicLong calls = new AtomicLong();
        try (FileDownloader downloader = new FileDownloader(settings())) {
            downloader.download(file("model.gguf", weights.length), partial("model.gguf"), dir.resolve("model.gguf"),
                    bytes -> {
                        assertTrue(bytes >= last.get());
                        last.set(bytes);
                        calls.incrementAndGet();
                    }, () -> false);
        }
        assertEquals(weights.length, last.get());
        assertTrue(calls.get() >= 2);
    }

    // --- parallel ranged transfers (issue 12) ---

    private final byte[] large = random(12 << 20);

    /** Four connections; files from 2 MiB on go in chunks (of 1 MiB here: 12 MiB / 16, at least 256 KiB). */
    private DownloadSettings parallel() {
        return settings().withParallel(4, 2L << 20);
    }

    @Test
    void aLargeFileComesInRangesOverSeveralConnectionsFromOneRedirect() throws Exception {
        hub.repo(REPO).lfsFile("big.gguf", large);
        hub.capEachConnection(8_000_000);
        AtomicLong last = new AtomicLong();
        try (FileDownloader downloader = new FileDownloader(parallel())) {
            DownloadedFile file = downloader.download(file("big.gguf", large.length), partial("big.gguf"),
                    dir.resolve("big.gguf"), bytes -> {
                        assertTrue(bytes >= last.get(), "progress never goes back");
                        last.set(bytes);
                    }, () -> false);
            assertEquals(Content.of(large).sha256(), file.sha256());
        }
        assertArrayEquals(large, Files.readAllBytes(dir.resolve("big.gguf")));
        assertEquals(large.length, last.get());
        List<FakeHub.LoggedRequest> cdn = hub.requestLog().stream().filter(r -> r.server().equals("cdn")).toList();
        assertTrue(cdn.size() >= 4 && cdn.stream().allMatch(r -> r.status() == 206 && r.range() != null), cdn.toString());
        assertEquals(cdn.size(), cdn.stream().map(FakeHub.LoggedRequest::range).distinct().count(), "no range twice");
        assertEquals(1, hub.requests(REPO, "big.gguf"), "the hub's redirect is resolved once");
        assertEquals(large.length, hub.bodyBytesServed(REPO, "big.gguf"), "no byte fetched twice");
        assertTrue(hub.peakConcurrentTransfers() >= 2, "connections at once: " + hub.peakConcurrentTransfers());
        assertFalse(Files.exists(partial("big.gguf")), "no partial file is left behind");
        assertFalse(Files.exists(dir.resolve(".partial/big.gguf.part.chunks")), "nor its chunk map");
    }

    @Test
    void aChunkThatDropsInParallelModeResumesWithinItsChunk() throws Exception {
        hub.repo(REPO).lfsFile("big.gguf", large);
        hub.fault(REPO, "big.gguf", Fault.dropAfterBytes(600_000, 3));
        try (FileDownloader downloader = new FileDownloader(parallel())) {
            download(downloader, file("big.gguf", large.length));
        }
        assertArrayEquals(large, Files.readAllBytes(dir.resolve("big.gguf")));
        assertTrue(hub.bodyBytesServed(REPO, "big.gguf") < large.length * 11L / 10,
                "dropped chunks resume where they stopped: " + hub.bodyBytesServed(REPO, "big.gguf"));
    }

    @Test
    void aServerThatIgnoresRangesGetsOneStreamEvenForALargeFile() throws Exception {
        hub.repo(REPO).lfsFile("big.gguf", large);
        hub.fault(REPO, "big.gguf", Fault.ignoreRange());
        try (FileDownloader downloader = new FileDownloader(parallel())) {
            download(downloader, file("big.gguf", large.length));
        }
        assertArrayEquals(large, Files.readAllBytes(dir.resolve("big.gguf")));
        assertEquals(1, hub.cdnRequests(REPO, "big.gguf"), "one stream: " + hub.requestLog());
    }

    @Test
    void aCancelledParallelDownloadResumesChunkByChunkInANewDownloader() throws Exception {
        hub.repo(REPO).lfsFile("big.gguf", large);
        hub.capEachConnection(4_000_000);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong onDisk = new AtomicLong();
        try (FileDownloader first = new FileDownloader(parallel())) {
            DownloadException cancelled = assertThrows(DownloadException.class, () -> first.download(
                    file("big.gguf", large.length), partial("big.gguf"), dir.resolve("big.gguf"), bytes -> {
                        onDisk.set(bytes);
                        stop.compareAndSet(false, bytes >= large.length / 2);
                    }, stop::get));
            assertEquals(DownloadException.Kind.CANCELLED, cancelled.kind());
        }
        Wait.until("the hub notices the closed connections", Duration.ofSeconds(5), () -> hub.transfersInFlight() == 0);
        long servedBefore = hub.bodyBytesServed(REPO, "big.gguf");
        hub.capEachConnection(Long.MAX_VALUE);
        try (FileDownloader second = new FileDownloader(parallel())) {
            download(second, file("big.gguf", large.length));
        }
        assertArrayEquals(large, Files.readAllBytes(dir.resolve("big.gguf")));
        long servedAfter = hub.bodyBytesServed(REPO, "big.gguf") - servedBefore;
        // Everything on disk when the first stopped is kept: the second fetches at most the rest.
        assertTrue(onDisk.get() >= large.length / 2 && servedAfter <= large.length - onDisk.get(),
                "on disk at the stop " + onDisk.get() + ", fetched after " + servedAfter + " of " + large.length);
    }

    @Test
    void aSlowLinkThatKeepsDeliveringIsNeverTakenForAStall() throws Exception {
        byte[] small = random(48_000);
        hub.repo(REPO).lfsFile("slow.bin", small);
        hub.fault(REPO, "slow.bin", Fault.throttle(20_000));
        // 2.4 s of transfer with a 1 s stall timeout: each read that brings a byte counts as progress.
        try (FileDownloader downloader = new FileDownloader(settings().withTimeouts(Duration.ofSeconds(1),
                Duration.ofSeconds(5)))) {
            download(downloader, file("slow.bin", small.length));
        }
        assertArrayEquals(small, Files.readAllBytes(dir.resolve("slow.bin")));
    }

    @Test
    void aListingThatStallsAfterItsHeadersTimesOutAndIsRetried() {
        hub.repo(REPO).file("config.json", "{}");
        hub.faultListing(REPO, Fault.stallAfterBytes(0, Duration.ofSeconds(30)));
        URI tree = URI.create(hub.endpoint() + "/api/models/" + REPO + "/tree/main?recursive=true");
        long started = System.nanoTime();
        try (FileDownloader downloader = new FileDownloader(settings().withTimeouts(Duration.ofSeconds(30),
                Duration.ofMillis(400)))) {
            DownloadException e = assertThrows(DownloadException.class, () -> downloader.read(tree, Map.of()));
            assertEquals(DownloadException.Kind.NETWORK_TIMEOUT, e.kind());
            assertTrue(e.reason().startsWith("Network timeout") && e.reason().contains("LLMLB_HUB_TIMEOUT"),
                    e.reason());
        }
        assertEquals(3, hub.listingRequests(REPO), "timed out and retried");
        assertTrue(System.nanoTime() - started < Duration.ofSeconds(5).toNanos());
    }

    @Test
    void aDocumentComesWithItsHeadersForTheSourceToReadOn() throws Exception {
        hub.repo(REPO).file("a.json", "{}").file("b.json", "{}");
        hub.paginateTree(1);
        URI tree = URI.create(hub.endpoint() + "/api/models/" + REPO + "/tree/main?recursive=true");
        try (FileDownloader downloader = new FileDownloader(settings())) {
            var page = downloader.read(tree, Map.of());
            assertTrue(page.text().contains("a.json"), page.text());
            assertTrue(page.header("link").orElseThrow().contains("cursor=1"), page.headers().toString());
            assertEquals(tree, page.uri());
        }
    }

    @Test
    void anUnreachableServerIsTriedTwiceQuicklyAndTheMessageSaysWhatToDo() throws Exception {
        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        URI nowhere = URI.create("http://127.0.0.1:" + closedPort + "/org/model/resolve/main/model.gguf");
        long started = System.nanoTime();
        try (FileDownloader downloader = new FileDownloader(settings())) {
            DownloadException e = assertThrows(DownloadException.class, () -> downloader.download(
                    new RemoteFile("model.gguf", nowhere, 10, Optional.empty()), partial("model.gguf"),
                    dir.resolve("model.gguf"), bytes -> { }, () -> false));
            assertEquals(DownloadException.Kind.UNREACHABLE, e.kind());
            assertTrue(e.reason().contains("HF_ENDPOINT") && e.reason().contains("HF_HUB_OFFLINE=1")
                    && e.reason().contains("llmlb-node demo"), e.reason());
        }
        assertTrue(System.nanoTime() - started < Duration.ofSeconds(3).toNanos());
    }
}
