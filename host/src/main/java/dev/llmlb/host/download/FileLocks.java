package dev.llmlb.host.download;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Operating-system file locks that also exclude the other threads of this JVM. The JDK's locks are held per
 * process: a second lock on an overlapping region from the same JVM throws {@code OverlappingFileLockException}
 * instead of failing or waiting. So the locks of this JVM are counted here, per file, once for the whole JVM,
 * since that is the scope of the operating system's lock too (two nodes started in one JVM share it).
 *
 * <p>An exclusive lock excludes every other lock; shared locks exclude only exclusive ones. The OS releases every
 * lock when its process dies, which is what makes these locks trustworthy proof of life on one machine.
 */
public final class FileLocks {

    /** The locks this JVM holds, by file: what the OS cannot tell this JVM's threads apart by. */
    private static final Map<Path, Entry> HELD = new HashMap<>();
    private static final long POLL_MILLIS = 10;

    private FileLocks() {
    }

    private static final class Entry {
        FileChannel channel;
        FileLock lock;
        boolean exclusive;
        int shared;
    }

    /** A lock; closing it releases it. */
    public static final class Held implements AutoCloseable {
        private final Path key;
        private final FileChannel channel;
        private boolean released;

        private Held(Path key, FileChannel channel) {
            this.key = key;
            this.channel = channel;
        }

        /** The channel the lock was taken on, open for reading and writing (exclusive locks only). */
        public FileChannel channel() {
            return channel;
        }

        @Override
        public void close() {
            synchronized (HELD) {
                if (released) {
                    return;
                }
                released = true;
                Entry entry = HELD.get(key);
                if (entry == null) {
                    return;
                }
                if (entry.exclusive || --entry.shared == 0) {
                    HELD.remove(key);
                    try {
                        entry.lock.release();
                    } catch (IOException e) {
                        // closing the channel releases it too
                    }
                    try {
                        entry.channel.close();
                    } catch (IOException e) {
                        // nothing more to release
                    }
                }
            }
        }
    }

    /** The file's exclusive lock, taken on a channel open for reading and writing; empty when anyone holds a lock. */
    public static Optional<Held> tryExclusive(Path file) throws IOException {
        Path key = key(file);
        synchronized (HELD) {
            if (HELD.containsKey(key)) {
                return Optional.empty();
            }
            FileChannel channel = FileChannel.open(key, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock = tryLock(channel, false);
            if (lock == null) {
                channel.close();
                return Optional.empty();
            }
            Entry entry = new Entry();
            entry.channel = channel;
            entry.lock = lock;
            entry.exclusive = true;
            HELD.put(key, entry);
            return Optional.of(new Held(key, channel));
        }
    }

    /** The exclusive lock, waiting at most {@code maxWait} for others to let go; empty when they did not. */
    public static Optional<Held> exclusive(Path file, Duration maxWait) throws IOException {
        long deadline = System.nanoTime() + maxWait.toNanos();
        while (true) {
            Optional<Held> held = tryExclusive(file);
            if (held.isPresent() || System.nanoTime() > deadline) {
                return held;
            }
            sleep();
        }
    }

    /** A shared lock on the file; empty when an exclusive one is held. */
    public static Optional<Held> tryShared(Path file) throws IOException {
        Path key = key(file);
        synchronized (HELD) {
            Entry entry = HELD.get(key);
            if (entry != null) {
                if (entry.exclusive) {
                    return Optional.empty();
                }
                entry.shared++;
                return Optional.of(new Held(key, null));
            }
            FileChannel channel = FileChannel.open(key, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock = tryLock(channel, true);
            if (lock == null) {
                channel.close();
                return Optional.empty();
            }
            entry = new Entry();
            entry.channel = channel;
            entry.lock = lock;
            entry.shared = 1;
            HELD.put(key, entry);
            return Optional.of(new Held(key, null));
        }
    }

    /** A shared lock, waiting at most {@code maxWait} for an exclusive holder to let go. */
    public static Optional<Held> shared(Path file, Duration maxWait) throws IOException {
        long deadline = System.nanoTime() + maxWait.toNanos();
        while (true) {
            Optional<Held> held = tryShared(file);
            if (held.isPresent() || System.nanoTime() > deadline) {
                return held;
            }
            sleep();
        }
    }

    private static FileLock tryLock(FileChannel channel, boolean shared) throws IOException {
        try {
            return channel.tryLock(0, Long.MAX_VALUE, shared);
        } catch (java.nio.channels.OverlappingFileLockException e) {
            // Only a lock taken on this file outside this class can get here; it is held, so this one is not free.
            return null;
        }
    }

    private static Path key(Path file) {
        return file.toAbsolutePath().normalize();
    }

    private static void sleep() throws IOException {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while waiting for a file lock");
        }
    }
}
