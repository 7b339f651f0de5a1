package dev.llmlb.host.download;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Hashes and writes a download's bytes on a thread of its own while the network thread keeps reading, so that
 * SHA-256 (about 1 GB/s) and disk writes do not slow the transfer down. A fixed pool of buffers bounds memory
 * whatever the file size.
 */
final class HashingWriter implements AutoCloseable {

    static final int BUFFER = 1 << 20;
    private static final int BUFFERS = 8;
    private static final Chunk END = new Chunk(new byte[0], 0);

    private record Chunk(byte[] bytes, int length) {
    }

    private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(BUFFERS);
    private final BlockingQueue<Chunk> full = new ArrayBlockingQueue<>(BUFFERS + 1);
    private final Thread thread;
    private volatile IOException failure;

    HashingWriter(FileChannel out, MessageDigest digest) {
        for (int i = 0; i < BUFFERS; i++) {
            free.add(new byte[BUFFER]);
        }
        thread = Thread.ofPlatform().name("download-writer").daemon(true).start(() -> {
            try {
                while (true) {
                    Chunk chunk = full.take();
                    if (chunk == END) {
                        return;
                    }
                    digest.update(chunk.bytes(), 0, chunk.length());
                    ByteBuffer buffer = ByteBuffer.wrap(chunk.bytes(), 0, chunk.length());
                    while (buffer.hasRemaining()) {
                        out.write(buffer);
                    }
                    free.add(chunk.bytes());
                }
            } catch (IOException e) {
                failure = e;
                free.add(new byte[BUFFER]);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /** An empty buffer to read into; waits while every buffer is queued for writing. */
    byte[] buffer() throws IOException {
        rethrow();
        try {
            return free.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** Queues {@code length} bytes of {@code buffer} for hashing and writing. */
    void submit(byte[] buffer, int length) throws IOException {
        rethrow();
        try {
            full.put(new Chunk(buffer, length));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** Gives back a buffer that was not used. */
    void release(byte[] buffer) {
        free.add(buffer);
    }

    /** Waits until everything submitted is hashed and written. */
    void finish() throws IOException {
        close();
        rethrow();
    }

    private void rethrow() throws IOException {
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public void close() {
        try {
            full.put(END);
            thread.join();
        } catch (InterruptedException e) {
            thread.interrupt();
            Thread.currentThread().interrupt();
        }
    }
}
