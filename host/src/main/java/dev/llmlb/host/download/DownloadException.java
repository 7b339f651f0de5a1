package dev.llmlb.host.download;

/** A transfer failed; {@link #reason()} is one sentence for the client that says what to do. */
public final class DownloadException extends Exception {

    /** What kind of failure, so callers can pick a failure kind and decide on retries. */
    public enum Kind {
        UNAUTHORIZED, FORBIDDEN, NOT_FOUND,
        /** Nothing arrived for the stall timeout (a transfer) or the hub timeout (a request or a document). */
        NETWORK_TIMEOUT,
        VERIFICATION_FAILED, DISK_FULL, SERVER_ERROR,
        /** A connection failed or closed early; resuming may help. */
        NETWORK,
        /** The server's name did not resolve or it refused the connection: the hub cannot be reached at all. */
        UNREACHABLE,
        OFFLINE, CANCELLED,
        /** Another process took the model's lock over; this one's work was discarded. */
        SUPERSEDED,
        IO
    }

    private final Kind kind;
    private final long retryAfterSeconds;

    public DownloadException(Kind kind, String reason) {
        this(kind, reason, null, -1);
    }

    public DownloadException(Kind kind, String reason, Throwable cause) {
        this(kind, reason, cause, -1);
    }

    private DownloadException(Kind kind, String reason, Throwable cause, long retryAfterSeconds) {
        super(reason, cause);
        this.kind = kind;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** This failure with the server's {@code Retry-After}. */
    DownloadException retryAfter(long seconds) {
        return new DownloadException(kind, getMessage(), getCause(), seconds);
    }

    /** The server's {@code Retry-After}, or -1 when it sent none. */
    long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    public Kind kind() {
        return kind;
    }

    public String reason() {
        return getMessage();
    }

    /** Whether resuming a transfer may help: a dropped connection or a server error. */
    boolean isTransient() {
        return kind == Kind.SERVER_ERROR || kind == Kind.NETWORK;
    }
}
