package dev.llmlb.host.resolve;

import dev.llmlb.api.ModelSpec;
import dev.llmlb.api.engine.LocalModel;
import dev.llmlb.host.failure.Failure;
import dev.llmlb.host.failure.FailureException;
import dev.llmlb.host.support.Catalogs;
import dev.llmlb.host.support.LogCapture;
import dev.llmlb.host.support.Wait;
import dev.llmlb.testkit.hub.Content;
import dev.llmlb.testkit.hub.FakeHub;
import dev.llmlb.testkit.hub.Fault;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two processes on one models folder: this test's JVM and a child JVM running the node's code ({@link ChildMain}).
 * Deletes are refused while the other downloads or serves, a holder paused past the stale time loses its lock and
 * its work without touching the new holder's, and a download killed with {@code kill -9} resumes chunk by chunk.
 */
@org.junit.jupiter.api.Timeout(value = 4, unit = java.util.concurrent.TimeUnit.MINUTES)
class SharedModelsFolderTest {

    private static final String REPO = "org/echo";
    private static final String FILE = "echo.bin";
    /** Heartbeat and stale time short enough for a test, the same in both processes. */
    private static final DownloadLock.Timing FAST = new DownloadLock.Timing(Duration.ofMillis(200),
            Duration.ofMillis(1500));

    private final FakeHub hub = FakeHub.start();
    private final byte[] model = content(6 << 20);
    private final List<AutoCloseable> open = new ArrayList<>();
    @TempDir
    Path home;

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable closeable : open.reversed()) {
            closeable.close();
        }
        hub.close();
    }

    private static byte[] content(int size) {
        byte[] bytes = new byte[size];
        new Random(11).nextBytes(bytes);
        System.arraycopy("Hello world!".getBytes(), 0, bytes, 0, 12);
        return bytes;
    }

    private ResolverFixture fixture() throws Exception {
        Files.writeString(home.resolve("supported_models.json"),
                Catalogs.of(Catalogs.scripted("echo", REPO, FILE, model)));
        ResolverFixture fixture = ResolverFixture.open(home, Map.of("HF_ENDPOINT", hub.endpoint().toString()), FAST);
        open.add(fixture);
        return fixture;
    }

    private ChildJvm child(String... args) throws Exception {
        ChildJvm child = ChildJvm.start(home.resolve("child-" + open.size() + ".log"), args);
        open.add(child);
        return child;
    }

    private ChildJvm childFetch() throws Exception {
        return child("fetch", home.toString(), hub.endpoint().toString(), Long.toString(FAST.heartbeat().toMillis()),
                Long.toString(FAST.staleAfter().toMillis()), "echo");
    }

    private static FetchListener quiet() {
        return new FetchListener() {
            @Override
            public void waiting(long downloaded, long total) {
            }

            @Override
            public void downloading(long downloaded, long total) {
            }
        };
    }

    private static void assertBusy(Runnable delete) {
        FailureException refused = assertThrows(FailureException.class, delete::run);
        assertEquals(Failure.Kind.CONFLICT, refused.failure().kind());
        assertEquals("model_busy", refused.failure().code());
    }

    @Test
    void deleteIsRefusedWhileAnotherProcessDownloadsTheModel() throws Exception {
        ResolverFixture fixture = fixture();
        hub.repo(REPO).lfsFile(FILE, model);
        hub.fault(REPO, FILE, Fault.throttle(1_000_000));
        ChildJvm other = childFetch();
        other.awaitLine(l -> l.startsWith("downloading ") && !l.equals("downloading 0"), Duration.ofSeconds(20));

        ModelSpec spec = fixture.spec("echo");
        assertBusy(() -> delete(fixture, spec));
        assertTrue(Files.exists(home.resolve("models/echo/.partial")), "the other process's download goes on");

        other.kill();
        // The dead holder's lock is free at once (same machine: its OS lock went with it).
        delete(fixture, spec);
        assertFalse(Files.exists(home.resolve("models/echo")));
    }

    @Test
    void deleteIsRefusedWhileAnotherProcessHasTheModelInUse() throws Exception {
        ResolverFixture fixture = fixture();
        hub.repo(REPO).lfsFile(FILE, model);
        ModelSpec spec = fixture.spec("echo");
        fixture.resolver().fetch(spec, quiet());
        ChildJvm serving = child("in-use", home.toString(), hub.endpoint().toString(), "echo");
        serving.awaitLine("in-use"::equals, Duration.ofSeconds(20));

        assertBusy(() -> delete(fixture, spec));
        assertTrue(fixture.resolver().findLocal(spec).isPresent(), "nothing was deleted");

        serving.closeInput();
        assertEquals(0, serving.waitFor(Duration.ofSeconds(20)));
        delete(fixture, spec);
        assertTrue(fixture.resolver().findLocal(spec).isEmpty());
        assertFalse(Files.exists(home.resolve("models/echo")));
    }

    @Test
    void markingInUseWaitsForADeleteAndFindLocalThenSeesTheFilesGone() throws Exception {
        ResolverFixture fixture = fixture();
        hub.repo(REPO).lfsFile(FILE, model);
        ModelSpec spec = fixture.spec("echo");
        fixture.resolver().fetch(spec, quiet());
        try (ModelFetcher.InUse first = fixture.resolver().markInUse(spec);
             ModelFetcher.InUse second = fixture.resolver().markInUse(spec)) {
            assertBusy(() -> delete(fixture, spec));
            first.close();
            assertBusy(() -> delete(fixture, spec));
        }
        delete(fixture, spec);
        try (ModelFetcher.InUse mark = fixture.resolver().markInUse(spec)) {
            assertTrue(fixture.resolver().findLocal(spec).isEmpty(), "re-checked after the mark: gone");
        }
    }

    @Test
    void aHolderPausedPastTheStaleTimeLosesItsLockAndItsWorkWithoutSharingAPartFile() throws Exception {
        ResolverFixture fixture = fixture();
        hub.repo(REPO).lfsFile(FILE, model);
        hub.fault(REPO, FILE, Fault.throttle(1_000_000));
        ChildJvm paused = childFetch();
        paused.awaitLine(l -> l.startsWith("downloading ") && !l.equals("downloading 0"), Duration.ofSeconds(20));
        paused.signal("STOP");
        try (LogCapture log = new LogCapture()) {
            hub.clearFaults();
            // Waits for the paused holder's heartbeat to age past the stale time, takes over, downloads.
            LocalModel local = fixture.resolver().fetch(fixture.spec("echo"), quiet());
            assertArrayEquals(model, Files.readAllBytes(local.directory().resolve(FILE)));
            assertTrue(log.lines().stream().anyMatch(l -> l.contains("Taking over the stale download lock")),
                    log.lines().toString());
            assertTrue(log.lines().stream().anyMatch(l -> l.contains("still open in another process")),
                    "the paused process's .part file was left alone: " + log.lines());
        }
        paused.signal("CONT");
        // The old holder learns at its next heartbeat that it lost, discards its copy and finds the model local.
        paused.awaitLine("fetched"::equals, Duration.ofSeconds(30));
        assertEquals(0, paused.waitFor(Duration.ofSeconds(20)));
        assertArrayEquals(model, Files.readAllBytes(home.resolve("models/echo").resolve(FILE)),
                "the new holder's file is intact");
        assertTrue(fixture.resolver().findLocal(fixture.spec("echo")).isPresent(), "and so is its manifest");
        assertFalse(Files.exists(home.resolve("models/echo/.partial")), "no partial file is left");
        String childLog = Files.readString(home.resolve("child-1.log"));
        assertTrue(childLog.contains("took over"), childLog);
    }

    @Test
    void aParallelDownloadKilledWithSigkillResumesFetchingAtMostATenthTwice() throws Exception {
        byte[] large = content(48 << 20);
        hub.repo(REPO).lfsFile("big.bin", large);
        hub.capEachConnection(3_000_000);
        Path partial = home.resolve("models/big/.partial/big.bin.part");
        Path target = home.resolve("models/big/big.bin");
        String uri = hub.endpoint() + "/" + REPO + "/resolve/main/big.bin";
        ChildJvm killed = child("download", hub.endpoint().toString(), uri, Long.toString(large.length),
                partial.toString(), target.toString(), "4", Long.toString(8L << 20));
        killed.awaitLine(l -> l.startsWith("bytes ") && Long.parseLong(l.substring(6)) > large.length / 3,
                Duration.ofSeconds(60));
        killed.kill();
        Wait.until("the hub notices the dead connections", Duration.ofSeconds(10), () -> hub.transfersInFlight() == 0);
        long first = hub.bodyBytesServed(REPO, "big.bin");
        hub.capEachConnection(Long.MAX_VALUE);

        try (dev.llmlb.host.download.FileDownloader downloader = new dev.llmlb.host.download.FileDownloader(
                dev.llmlb.host.download.DownloadSettings.defaults(hub.endpoint()).withParallel(4, 8L << 20))) {
            downloader.download(new dev.llmlb.api.source.RemoteFile("big.bin", java.net.URI.create(uri),
                    large.length, java.util.Optional.empty()), partial, target, bytes -> { }, () -> false);
        }
        assertEquals(Content.of(large).sha256(), Content.of(target).sha256());
        long total = hub.bodyBytesServed(REPO, "big.bin");
        assertTrue(total <= large.length * 11L / 10, "served " + total + " bytes in all (" + first
                + " before the kill) for a file of " + large.length);
    }

    private static void delete(ResolverFixture fixture, ModelSpec spec) {
        try {
            fixture.resolver().delete(spec);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
