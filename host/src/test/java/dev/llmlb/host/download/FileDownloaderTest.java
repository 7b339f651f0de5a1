package dev.llmlb.host.download;

import dev.llmlb.api.source.RemoteFile;
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
}
