package dev.llmlb.host.download;

/** A transfer failed; {@link #reason()} is one sentence for the client that says what to do. */
public final class DownloadException extends Exception {

    /** What kind of failure, so callers can pick a status and decide on retries. */
    public enum Kind { UNAUTHORIZED, FORBIDDEN, NOT_FOUND, NETWORK_TIMEOUT, VERIFICATION_FAILED, DISK_FULL,
        SERVER_ERROR, NETWORK, OFFLINE, CANCELLED, IO }

    private final Kind kind;
    private long retryAfterSeconds = -1;

    public DownloadException(Kind kind, String reason) {
        super(reason);
        this.kind = kind;
    }

    /** The server's {@code Retry-After}, when it sent one. */
    DownloadException retryAfter(long seconds) {
        this.retryAfterSeconds = seconds;
        return this;
    }

    long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    public DownloadException(Kind kind, String reason, Throwable cause) {
        super(reason, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    public String reason() {
        return getMessage();
    }

    /** Whether trying again (resuming) may help. */
    boolean isTransient() {
        return kind == Kind.SERVER_ERROR || kind == Kind.NETWORK;
    }
}
