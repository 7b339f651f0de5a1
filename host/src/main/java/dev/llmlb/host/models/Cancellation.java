package dev.llmlb.host.models;

import java.util.ArrayList;
import java.util.List;

/**
 * Says that a request should end: its client left, or the node is stopping. Whoever waits or works for the request
 * checks it or registers to hear of it; it fires once.
 */
public final class Cancellation {

    private final List<Runnable> listeners = new ArrayList<>();
    private volatile boolean cancelled;
    private String reason = "";

    /** Ends the request; runs the listeners once, on the calling thread. */
    public void cancel(String why) {
        List<Runnable> toRun;
        synchronized (this) {
            if (cancelled) {
                return;
            }
            cancelled = true;
            reason = why;
            toRun = List.copyOf(listeners);
            listeners.clear();
        }
        toRun.forEach(Runnable::run);
    }

    public boolean isCancelled() {
        return cancelled;
    }

    public synchronized String reason() {
        return reason;
    }

    /**
     * Runs {@code listener} when the request is cancelled (at once if it already is). Returns a handle that
     * unregisters it.
     */
    public Runnable onCancel(Runnable listener) {
        synchronized (this) {
            if (!cancelled) {
                listeners.add(listener);
                return () -> {
                    synchronized (this) {
                        listeners.remove(listener);
                    }
                };
            }
        }
        listener.run();
        return () -> { };
    }
}
