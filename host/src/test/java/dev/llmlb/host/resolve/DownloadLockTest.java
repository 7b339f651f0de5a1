package dev.llmlb.host.resolve;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmlb.host.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cross-process download lock on its own: heartbeat, staleness, take-over, fencing. */
class DownloadLockTest {

    private static final DownloadLock.Timing FAST = new DownloadLock.Timing(Duration.ofMillis(100),
            Duration.ofMillis(800));
    private final ObjectMapper json = Json.mapper();
    @TempDir
    Path locks;

    private Optional<DownloadLock> acquire() throws Exception {
        return DownloadLock.tryAcquire(locks, "m", FAST, json);
    }

    private DownloadLock.Holder holder() {
        return DownloadLock.read(DownloadLock.fileOf(locks, "m"), json).orElseThrow();
    }

    @Test
    void aLiveHolderKeepsItsLockWithoutProgressThanksToItsHeartbeat() throws Exception {
        try (DownloadLock held = acquire().orElseThrow()) {
            String first = holder().updatedAt();
            // Planning, hashing or backing off: no bytes for three times the stale time.
            Thread.sleep(FAST.staleAfter().toMillis() * 3);
            assertTrue(acquire().isEmpty(), "a quiet but live holder is not stale");
            assertTrue(Instant.parse(holder().updatedAt()).isAfter(Instant.parse(first)), "the heartbeat moved");
            assertFalse(held.lost());
        }
        assertFalse(Files.exists(DownloadLock.fileOf(locks, "m")), "closing removes the lock file");
    }

    @Test
    void aFreshLockNamingADeadPidOnThisHostNameIsNotTakenOver() throws Exception {
        // Containers often share one host name: a PID that is dead here may be alive in a neighbour.
        long dead = deadPid();
        String now = Instant.now().toString();
        Files.write(DownloadLock.fileOf(locks, "m"), json.writeValueAsBytes(new DownloadLock.Holder(dead,
                InetAddress.getLocalHost().getHostName(), null, false, "their-token", now, now, 10, 100)));
        assertTrue(acquire().isEmpty(), "judged by its heartbeat, which is fresh");
        Thread.sleep(FAST.staleAfter().toMillis() + 200);
        try (DownloadLock taken = acquire().orElseThrow(() -> new AssertionError("stale now"))) {
            assertEquals(ProcessHandle.current().pid(), holder().pid());
            assertFalse(taken.lost());
        }
    }

    @Test
    void aHolderOnThisKernelWhoseOsLockIsGoneIsDeadAndTakenOverAtOnce() throws Exception {
        Optional<String> bootId = readBootId();
        org.junit.jupiter.api.Assumptions.assumeTrue(bootId.isPresent(), "needs Linux's boot id");
        String now = Instant.now().toString();
        Files.write(DownloadLock.fileOf(locks, "m"), json.writeValueAsBytes(new DownloadLock.Holder(deadPid(),
                "elsewhere", bootId.get(), true, "their-token", now, now, 10, 100)));
        try (DownloadLock taken = acquire().orElseThrow(() -> new AssertionError("a dead holder's lock is free"))) {
            assertFalse(taken.lost());
        }
    }

    @Test
    void aHolderThatLostItsLockWhilePausedCannotCommitAndLearnsItLost() throws Exception {
        // A holder whose next heartbeat is far off, as if it were stopped.
        DownloadLock paused = DownloadLock.tryAcquire(locks, "m", new DownloadLock.Timing(Duration.ofMinutes(1),
                Duration.ofMinutes(5)), json).orElseThrow();
        try {
            // Its last heartbeat is older than the others' stale time.
            DownloadLock.Holder mine = holder();
            String old = Instant.now().minusSeconds(60).toString();
            Files.write(DownloadLock.fileOf(locks, "m"), json.writeValueAsBytes(new DownloadLock.Holder(mine.pid(),
                    mine.host(), null, false, mine.token(), mine.startedAt(), old, 0, 0)));
            try (DownloadLock taker = acquire().orElseThrow(() -> new AssertionError("stale: taken over"))) {
                AtomicBoolean ran = new AtomicBoolean();
                assertFalse(paused.commit(() -> ran.set(true)), "the old holder may not commit");
                assertFalse(ran.get());
                assertTrue(paused.lost());
                assertTrue(taker.commit(() -> ran.set(true)));
                assertTrue(ran.get());
                paused.close();
                assertTrue(Files.exists(DownloadLock.fileOf(locks, "m")), "the old holder leaves the new one's lock");
            }
        } finally {
            paused.close();
        }
    }

    private static long deadPid() throws Exception {
        Process process = new ProcessBuilder("true").start();
        process.waitFor();
        return process.pid();
    }

    private static Optional<String> readBootId() {
        try {
            return Optional.of(Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip());
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    @Test
    void aGuardHeldPastTheStaleTimeIsSetAsideSoDownloadsGoOn() throws Exception {
        Path guard = locks.resolve("m.lock.guard");
        try (ChildJvm stuck = ChildJvm.start(locks.resolve("child.log"), "hold", guard.toString())) {
            stuck.awaitLine("held"::equals, Duration.ofSeconds(30));
            DownloadLock.Timing slow = new DownloadLock.Timing(Duration.ofSeconds(1), Duration.ofSeconds(20));
            assertTrue(DownloadLock.tryAcquire(locks, "m", slow, json).isEmpty(), "a guard taken just now is waited "
                    + "for");
            // As if its holder had been stopped inside it a while ago (this process holds no lock on it to lose).
            Files.setLastModifiedTime(guard, java.nio.file.attribute.FileTime.from(Instant.now().minusSeconds(60)));
            try (DownloadLock taken = acquire().orElseThrow(() -> new AssertionError("the guard was not set aside"))) {
                assertEquals(ProcessHandle.current().pid(), holder().pid());
            }
        }
    }
}
