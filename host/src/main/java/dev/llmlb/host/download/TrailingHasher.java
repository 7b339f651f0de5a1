package dev.llmlb.host.download;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Computes a partial download's SHA-256 on a thread of its own, in file order, right behind the writers: it hashes
 * the bytes from the start of the file up to the first gap as chunks fill it (from the page cache, just written),
 * so verification needs no second pass over the file once the last byte arrives. On a resume it hashes what was
 * already on disk while the connections are already transferring the rest.
 */
final class TrailingHasher implements AutoCloseable {

    private static final int BUFFER = 1 << 20;
    private static final long IDLE_WAIT_MILLIS = 2;

    private final PartFile part;
    private final Thread thread;
    private final Object lock = new Object();
    private MessageDigest digest = newDigest();
    private long hashed;
    private volatile boolean stopped;
    private volatile IOException failure;

    TrailingHasher(PartFile part) {
        this.part = part;
        this.thread = Thread.ofPlatform().name("download-hasher").daemon(true).start(this::run);
    }

    private void run() {
        // A heap buffer: MessageDigest hashes its array in place (a direct one would be copied in small pieces).
        ByteBuffer buffer = ByteBuffer.allocate(BUFFER);
        try {
            while (!stopped) {
                boolean progressed;
                synchronized (lock) {
                    long target = Math.min(part.contiguous(), hashed + BUFFER);
                    progressed = target > hashed;
                    if (progressed) {
                        buffer.clear().limit((int) (target - hashed));
                        int n = part.read(buffer, hashed);
                        if (n > 0) {
                            digest.update(buffer.array(), 0, n);
                            hashed += n;
                        }
                        lock.notifyAll();
                    }
                }
                if (!progressed) {
                    Thread.sleep(IDLE_WAIT_MILLIS);
                }
            }
        } catch (IOException e) {
            failure = e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            synchronized (lock) {
                stopped = true;
                lock.notifyAll();
            }
        }
    }

    /** Starts over from the first byte, after the partial file was started over. */
    void restart() {
        synchronized (lock) {
            digest = newDigest();
            hashed = 0;
        }
    }

    /** Waits until the whole file is hashed; its SHA-256 as hex. */
    String finish() throws IOException {
        synchronized (lock) {
            while (hashed < part.size()) {
                if (failure != null) {
                    throw failure;
                }
                if (stopped) {
                    throw new IOException("the hasher stopped before the end of " + part.path().getFileName());
                }
                try {
                    lock.wait(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while hashing");
                }
            }
            return HexFormat.of().formatHex(digest.digest());
        }
    }

    @Override
    public void close() {
        stopped = true;
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
