package dev.llmlb.host.resolve;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmlb.host.download.Commit;
import dev.llmlb.host.download.FileLocks;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The cross-process lock of one model's download: {@code models/.locks/<id>.lock}, a JSON file naming its holder
 * (PID, host, a random token, start time, heartbeat, progress), so that operators and waiting nodes see who
 * downloads what.
 *
 * <p><b>Heartbeat.</b> While it lives, the holder rewrites the file every {@link Timing#heartbeat()} (planning,
 * hashing, waiting for a download slot and backing off included). A lock whose heartbeat is older than
 * {@link Timing#staleAfter()} is stale and may be taken over, whatever its PID: PIDs and host names say nothing
 * across containers. One shortcut: a holder on this very kernel (same boot id) that no longer holds its OS lock on
 * {@code <id>.lock.live} is dead (the OS released it), so its lock is taken over at once instead of after the
 * heartbeat has aged; that is what lets a node killed with {@code kill -9} resume as soon as it restarts.
 *
 * <p><b>Fencing.</b> A holder that was paused (stopped, swapped out) past the stale time may find its lock taken.
 * So the heartbeat, every take-over and every {@link #commit commit} (the moves to final names, the manifest) run
 * under one short OS lock ({@code <id>.lock.guard}) and check the token first: a holder that lost the lock learns it
 * at its next heartbeat or commit, stops, and discards its work instead of overwriting the new holder's.
 */
public final class DownloadLock implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(DownloadLock.class.getName());
    private static final long PID = ProcessHandle.current().pid();
    private static final String HOST = hostName();
    private static final Optional<String> BOOT_ID = bootId();
    private static final Duration GUARD_WAIT = Duration.ofSeconds(5);

    /**
     * How often the holder proves it lives, and how old that proof may get before others take the lock.
     *
     * @param heartbeat  how often the lock file is rewritten
     * @param staleAfter a heartbeat older than this makes the lock stale
     */
    public record Timing(Duration heartbeat, Duration staleAfter) {
        /** A beat every 2 s; stale after 30 s without one (fifteen beats missed). */
        public static final Timing DEFAULT = new Timing(Duration.ofSeconds(2), Duration.ofSeconds(30));
    }

    /**
     * What a lock file says.
     *
     * @param bootId   the holder's kernel boot id (Linux), when known
     * @param liveLock whether the holder holds the OS lock on {@code <id>.lock.live}, so that its release proves
     *                 the holder dead
     * @param token    a random value only this holder knows, checked before every commit
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Holder(long pid, String host, String bootId, boolean liveLock, String token, String startedAt,
                         String updatedAt, long downloadedBytes, long totalBytes) {
    }

    private final Path file;
    private final Path guard;
    private final ObjectMapper json;
    private final Timing timing;
    private final String token;
    private final String startedAt;
    private final FileLocks.Held live;
    private final Thread heartbeat;
    private volatile long downloadedBytes;
    private volatile long totalBytes;
    private volatile boolean lost;
    private volatile boolean closed;

    private DownloadLock(Path file, ObjectMapper json, Timing timing, String token, String startedAt,
                         FileLocks.Held live) {
        this.file = file;
        this.guard = file.resolveSibling(file.getFileName() + ".guard");
        this.json = json;
        this.timing = timing;
        this.token = token;
        this.startedAt = startedAt;
        this.live = live;
        this.heartbeat = Thread.ofPlatform().daemon(true).name("lock-heartbeat-" + file.getFileName())
                .start(this::beat);
    }

    public static Path fileOf(Path locksDir, String modelId) {
        return locksDir.resolve(modelId + ".lock");
    }

    private static Path liveFileOf(Path lockFile) {
        return lockFile.resolveSibling(lockFile.getFileName() + ".live");
    }

    /** Takes the lock if it is free or stale; empty when a live holder has it. */
    public static Optional<DownloadLock> tryAcquire(Path locksDir, String modelId, Timing timing, ObjectMapper json)
            throws IOException {
        Files.createDirectories(locksDir);
        Path file = fileOf(locksDir, modelId);
        Optional<FileLocks.Held> guard = takeGuard(file.resolveSibling(file.getFileName() + ".guard"), GUARD_WAIT,
                timing);
        if (guard.isEmpty()) {
            return Optional.empty();
        }
        try (FileLocks.Held ignored = guard.get()) {
            Optional<Holder> holder = read(file, json);
            Optional<FileLocks.Held> live = FileLocks.tryExclusive(liveFileOf(file));
            boolean free = Files.notExists(file);
            if (!free && !isStale(file, holder, timing, live.isPresent())) {
                live.ifPresent(FileLocks.Held::close);
                return Optional.empty();
            }
            if (!free) {
                holder.ifPresentOrElse(h -> LOG.log(Level.WARNING, "Taking over the stale download lock of {0} "
                                + "(pid {1} on {2}, last heartbeat {3})", modelId, h.pid(), h.host(), h.updatedAt()),
                        () -> LOG.log(Level.WARNING, "Taking over the unreadable download lock of {0}", modelId));
            }
            String now = Instant.now().toString();
            String token = UUID.randomUUID().toString();
            write(file, new Holder(PID, HOST, BOOT_ID.orElse(null), live.isPresent(), token, now, now, 0, 0), json);
            return Optional.of(new DownloadLock(file, json, timing, token, now, live.orElse(null)));
        }
    }

    /**
     * Stale: its heartbeat is older than the stale time, or its holder ran on this kernel and its OS lock is free
     * (so it died). An unreadable file counts by its modification time.
     */
    private static boolean isStale(Path file, Optional<Holder> holder, Timing timing, boolean liveLockFree) {
        try {
            Instant beat = holder.map(h -> parse(h.updatedAt())).orElse(null);
            if (beat == null) {
                beat = Files.getLastModifiedTime(file).toInstant();
            }
            if (beat.plus(timing.staleAfter()).isBefore(Instant.now())) {
                return true;
            }
            return liveLockFree && holder.isPresent() && holder.get().liveLock() && BOOT_ID.isPresent()
                    && BOOT_ID.get().equals(holder.get().bootId());
        } catch (NoSuchFileException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static Instant parse(String instant) {
        try {
            return instant == null ? null : Instant.parse(instant);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Writes the lock file whole, atomically: readers see the old content or the new, never half. */
    private static void write(Path file, Holder holder, ObjectMapper json) throws IOException {
        Path temp = file.resolveSibling("." + file.getFileName() + "." + PID + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        try {
            Files.write(temp, json.writeValueAsBytes(holder), StandardOpenOption.CREATE_NEW);
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
            throw new IOException("cannot write " + file + ": " + e.getMessage(), e);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** The holder of a lock file, when there is one and it can be read. */
    public static Optional<Holder> read(Path file, ObjectMapper json) {
        try {
            return Optional.of(json.readValue(Files.readAllBytes(file), Holder.class));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Records progress; the next heartbeat writes it. */
    public void progress(long downloaded, long total) {
        this.downloadedBytes = downloaded;
        this.totalBytes = total;
    }

    /** Whether another process took the lock over; the work done under it must be discarded. */
    public boolean lost() {
        return lost;
    }

    /**
     * Runs {@code action} (a move to a final name, the manifest) only while this process still holds the lock,
     * with take-overs held off meanwhile.
     *
     * @return whether it ran; {@code false} when the lock was lost
     */
    public boolean commit(Commit.Action action) throws IOException {
        if (lost) {
            return false;
        }
        Optional<FileLocks.Held> held = takeGuard(guard, GUARD_WAIT.multipliedBy(2), timing);
        if (held.isEmpty()) {
            throw new IOException("cannot take " + guard + " to finish the download");
        }
        try (FileLocks.Held ignored = held.get()) {
            if (!ownsFile()) {
                lost = true;
                return false;
            }
            action.run();
            return true;
        }
    }

    private boolean ownsFile() {
        return read(file, json).map(h -> token.equals(h.token())).orElse(false);
    }

    private void beat() {
        while (!closed && !lost) {
            try {
                Thread.sleep(timing.heartbeat());
            } catch (InterruptedException e) {
                return;
            }
            if (closed) {
                return;
            }
            try {
                Optional<FileLocks.Held> held = takeGuard(guard, timing.heartbeat(), timing);
                if (held.isEmpty()) {
                    continue;
                }
                try (FileLocks.Held ignored = held.get()) {
                    if (!ownsFile()) {
                        lost = true;
                        LOG.log(Level.WARNING, "Another process took over the download lock {0}; this download "
                                + "stops and its work is discarded", file);
                        return;
                    }
                    write(file, new Holder(PID, HOST, BOOT_ID.orElse(null), live != null, token, startedAt,
                            Instant.now().toString(), downloadedBytes, totalBytes), json);
                }
            } catch (IOException e) {
                LOG.log(Level.WARNING, "Cannot refresh the lock file {0}: {1}", file, e.getMessage());
            }
        }
    }

    /** Stops the heartbeat and removes the lock file if it is still this process's. */
    @Override
    public void close() {
        closed = true;
        heartbeat.interrupt();
        try {
            heartbeat.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Optional<FileLocks.Held> held = takeGuard(guard, GUARD_WAIT, timing);
            if (held.isPresent()) {
                try (FileLocks.Held ignored = held.get()) {
                    if (ownsFile()) {
                        Files.deleteIfExists(file);
                    }
                }
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "Cannot remove the lock file {0}: {1}", file, e.getMessage());
        } finally {
            if (live != null) {
                live.close();
            }
        }
    }

    /**
     * The guard, waiting at most {@code wait}. Its holders keep it for milliseconds and write to it when they take
     * it, which moves its modification time; one that holds it longer than the stale time was stopped inside it (SIGSTOP, a frozen
     * container), and would hold up every process's downloads of the model until it resumes. Such a guard is set
     * aside: renamed, so the next holder locks a new file. A stopped process that resumes finishes its step on the
     * old file; it then finds its token replaced, as any holder that lost its lock does.
     */
    private static Optional<FileLocks.Held> takeGuard(Path guard, Duration wait, Timing timing) throws IOException {
        Optional<FileLocks.Held> held = FileLocks.exclusive(guard, wait);
        if (held.isEmpty() && heldLongerThan(guard, timing.staleAfter())) {
            LOG.log(Level.WARNING, "{0} has been held for more than {1} (its process is stopped inside it); "
                    + "setting it aside", guard, timing.staleAfter());
            try {
                Files.move(guard, guard.resolveSibling(guard.getFileName() + "." + UUID.randomUUID() + ".stale"),
                        StandardCopyOption.ATOMIC_MOVE);
            } catch (NoSuchFileException e) {
                // Another process set it aside first.
            }
            held = FileLocks.exclusive(guard, wait);
        }
        if (held.isPresent()) {
            // Stamped through the locked channel: setting the time by path would open and close another descriptor
            // of the file, and closing any descriptor drops this process's POSIX locks on it.
            FileChannel channel = held.get().channel();
            channel.write(ByteBuffer.wrap(Instant.now().toString().getBytes(StandardCharsets.US_ASCII)), 0);
        }
        return held;
    }

    private static boolean heldLongerThan(Path guard, Duration limit) {
        try {
            Instant taken = Files.getLastModifiedTime(guard).toInstant();
            return Duration.between(taken, Instant.now()).compareTo(limit) > 0;
        } catch (IOException e) {
            return false;
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** The running kernel's boot id on Linux: equal for every process (and container) of one machine's boot. */
    private static Optional<String> bootId() {
        try {
            return Optional.of(Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip())
                    .filter(s -> !s.isEmpty());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
