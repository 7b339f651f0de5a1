package dev.llmlb.host.http;

/** Whether the node takes new requests: not while starting, not while draining for shutdown. */
public final class Readiness {

    private volatile boolean started;
    private volatile boolean draining;

    public void started() {
        started = true;
    }

    public void draining() {
        draining = true;
    }

    public boolean isReady() {
        return started && !draining;
    }

    public boolean isDraining() {
        return draining;
    }
}
