package dev.llmlb.host.download;

import java.time.Duration;

/**
 * Ends a transfer that receives no byte for its limit, by closing its response, which fails the blocked read at
 * once. (A socket read timeout alone fires late and only while a read is pending.) Progress is counted per read,
 * in bytes: a slow link that keeps delivering a few bytes at a time is never taken for a stalled one.
 */
final class StallWatch implements AutoCloseable {

    private final Thread watcher;
    private volatile long lastBytesNanos = System.nanoTime();
    private volatile boolean stalled;
    private volatile boolean done;

    private StallWatch(Duration limit, AutoCloseable transfer) {
        long limitNanos = limit.toNanos();
        long pollMillis = Math.max(10, Math.min(1000, limit.toMillis() / 10));
        this.watcher = Thread.ofVirtual().name("stall-watch").start(() -> {
            while (!done) {
                try {
                    Thread.sleep(pollMillis);
                } catch (InterruptedException e) {
                    return;
                }
                if (!done && System.nanoTime() - lastBytesNanos > limitNanos) {
                    stalled = true;
                    try {
                        transfer.close();
                    } catch (Exception e) {
                        // the transfer fails either way; nothing more to do here
                    }
                    return;
                }
            }
        });
    }

    static StallWatch start(Duration limit, AutoCloseable transfer) {
        return new StallWatch(limit, transfer);
    }

    /** At least one byte arrived. */
    void bytesArrived() {
        lastBytesNanos = System.nanoTime();
    }

    /** Whether the watch ended the transfer. */
    boolean stalled() {
        return stalled;
    }

    @Override
    public void close() {
        done = true;
        watcher.interrupt();
    }
}
