package dev.llmlb.host.resolve;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The cross-process lock of one model's download: {@code models/.locks/<id>.lock}, holding the owner's PID, host,
 * start time and progress as JSON, so that operators (and waiting nodes) can see who downloads what.
 *
 * <p>The file is created atomically with its content (a hard link to a finished temporary file), so no process
 * ever reads a half-written lock. A lock is stale when its owner runs on this host and its PID is dead, or when
 * it made no progress for the stale timeout; a stale lock is taken over, one contender at a time (an OS file lock
 * on a guard file serializes take-overs).
 */
public final class DownloadLock implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(DownloadLock.class.getName());
    private static final long PID = ProcessHandle.current().pid();
    private static final String HOST = hostName();

    /** What a lock file says. */
    public record Holder(long pid, String host, String startedAt, String updatedAt, long downloadedBytes,
                         long totalBytes) {
    }

    private final Path file;
    private final ObjectMapper json;
    private final String startedAt;
    private long lastBytes = -1;
    private long lastWriteNanos;

    private DownloadLock(Path file, ObjectMapper json, String startedAt) {
        this.file = file;
        this.json = json;
        this.startedAt = startedAt;
    }

    public static Path fileOf(Path locksDir, String modelId) {
        return locksDir.resolve(modelId + ".lock");
    }

    /** Takes the lock if it is free or stale; empty when another live process holds it. */
    public static Optional<DownloadLock> tryAcquire(Path locksDir, String modelId, Duration staleAfter,
                                                    ObjectMapper json) throws IOException {
        Files.createDirectories(locksDir);
        Path file = fileOf(locksDir, modelId);
        String now = Instant.now().toString();
        Holder mine = new Holder(PID, HOST, now, now, 0, 0);
        if (create(file, mine, json)) {
            return Optional.of(new DownloadLock(file, json, now));
        }
        Path guard = locksDir.resolve(modelId + ".lock.guard");
        try (FileChannel channel = FileChannel.open(guard, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = channel.lock()) {
            Optional<Holder> holder = read(file, json);
            if (holder.isEmpty() && Files.notExists(file) || isStale(file, holder, staleAfter)) {
                holder.ifPresent(h -> LOG.log(System.Logger.Level.WARNING, "Taking over the stale download lock "
                        + "of {0} (pid {1} on {2}, last progress {3})", modelId, h.pid(), h.host(), h.updatedAt()));
                Files.deleteIfExists(file);
                if (create(file, mine, json)) {
                    return Optional.of(new DownloadLock(file, json, now));
                }
            }
        }
        return Optional.empty();
    }

    private static boolean create(Path file, Holder holder, ObjectMapper json) throws IOException {
        Path temp = file.resolveSibling("." + file.getFileName() + "." + PID + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        Files.write(temp, json.writeValueAsBytes(holder));
        try {
            Files.createLink(file, temp);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (UnsupportedOperationException | IOException e) {
            // Hard links are not available everywhere; CREATE_NEW is atomic too, only the content comes a
            // moment later, and readers treat an empty lock as fresh.
            try {
                Files.write(file, json.writeValueAsBytes(holder), StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE);
                return true;
            } catch (FileAlreadyExistsException exists) {
                return false;
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** The holder of a lock file, when there is one and it can be read. */
    public static Optional<Holder> read(Path file, ObjectMapper json) {
        try {
            return Optional.of(json.readValue(Files.readAllBytes(file), Holder.class));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static boolean isStale(Path file, Optional<Holder> holder, Duration staleAfter) {
        try {
            if (holder.isEmpty()) {
                FileTime modified = Files.getLastModifiedTime(file);
                return modified.toInstant().plus(staleAfter).isBefore(Instant.now());
            }
            Holder h = holder.get();
            if (h.host().equals(HOST) && ProcessHandle.of(h.pid()).map(p -> !p.isAlive()).orElse(true)) {
                return true;
            }
            return Instant.parse(h.updatedAt()).plus(staleAfter).isBefore(Instant.now());
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Records progress; rewrites the file at most once a second, and only with new progress, so that a stuck
     * download looks stuck to the other nodes.
     */
    public void progress(long downloadedBytes, long totalBytes) {
        long now = System.nanoTime();
        if (downloadedBytes == lastBytes || now - lastWriteNanos < 1_000_000_000L) {
            return;
        }
        lastBytes = downloadedBytes;
        lastWriteNanos = now;
        Holder holder = new Holder(PID, HOST, startedAt, Instant.now().toString(), downloadedBytes, totalBytes);
        Path temp = file.resolveSibling("." + file.getFileName() + "." + PID + ".update");
        try {
            Files.write(temp, json.writeValueAsBytes(holder));
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "Cannot update the lock file {0}: {1}", file, e.getMessage());
        }
    }

    @Override
    public void close() {
        try {
            Optional<Holder> holder = read(file, json);
            if (holder.isEmpty() || holder.get().pid() == PID && holder.get().startedAt().equals(startedAt)) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "Cannot remove the lock file {0}: {1}", file, e.getMessage());
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
