package dev.llmlb.host.failure;

import java.util.Objects;

/**
 * What went wrong, in the node's own terms. Code below the HTTP layer reports failures this way and never chooses an
 * HTTP status; the HTTP layer maps {@link Kind} to one in a single place.
 *
 * @param kind              what sort of failure, which decides the status a client gets
 * @param code              the OpenAI-style {@code code}, e.g. {@code download_failed}
 * @param message           one or two sentences for the client: what went wrong and what to do; never a class name,
 *                          a stack trace or a secret
 * @param param             the request field at fault, or {@code null}
 * @param retryAfterSeconds when trying again may help, after how many seconds; {@code 0} when no hint is given
 */
public record Failure(Kind kind, String code, String message, String param, long retryAfterSeconds) {

    /** What sort of failure. */
    public enum Kind {
        /** The request is wrong; sending it again will not help. */
        INVALID_INPUT,
        /** No key, or a wrong one. */
        UNAUTHENTICATED,
        /** What was asked for does not exist. */
        NOT_FOUND,
        /** The method is not offered at that path. */
        METHOD_NOT_ALLOWED,
        /** The request conflicts with what the resource is doing now (deleting a model that serves requests). */
        CONFLICT,
        /** The request body is larger than the node accepts. */
        TOO_LARGE,
        /** Too many requests wait already; try again shortly. */
        OVERLOADED,
        /** The node cannot serve this now (downloading, shutting down, no plugin); another node or a later try may. */
        UNAVAILABLE,
        /** The hub refused or failed a download. */
        DOWNLOAD_FAILED,
        /** The hub did not answer in time. */
        TIMEOUT,
        /** An engine failed to load or run a model. */
        ENGINE_ERROR,
        /** A bug in the node; the log has the details. */
        INTERNAL
    }

    public Failure {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
        if (retryAfterSeconds < 0) {
            throw new IllegalArgumentException("retryAfterSeconds must be >= 0");
        }
    }

    public Failure(Kind kind, String code, String message) {
        this(kind, code, message, null, 0);
    }

    /** This failure with a retry hint. */
    public Failure retryAfter(long seconds) {
        return new Failure(kind, code, message, param, Math.max(1, seconds));
    }

    /** This failure as an exception to throw. */
    public FailureException exception() {
        return new FailureException(this);
    }

    /**
     * Whether the failure is a passing refusal (a full queue, a node shutting down, a hub that asks to retry) rather
     * than something wrong with the model that its status should keep showing.
     */
    public boolean isTemporary() {
        return kind == Kind.OVERLOADED || retryAfterSeconds > 0;
    }

    /** A request field that is missing or wrong. */
    public static Failure invalid(String param, String message) {
        return new Failure(Kind.INVALID_INPUT, "invalid_value", message, param, 0);
    }

    /** A request field this node does not support. */
    public static Failure unsupported(String param, String message) {
        return new Failure(Kind.INVALID_INPUT, "unsupported_parameter", message, param, 0);
    }

    /** A model that is not in {@code supported_models.json}, worded as the user's document has it. */
    public static Failure modelNotFound(String model) {
        return new Failure(Kind.NOT_FOUND, "model_not_found", "Model '" + model
                + "' is not supported. Check supported_models.json.", "model", 0);
    }

    /** The node cannot serve this now; another node or a later try may. */
    public static Failure unavailable(String code, String message, long retryAfterSeconds) {
        return new Failure(Kind.UNAVAILABLE, code, message, null, Math.max(1, retryAfterSeconds));
    }

    /** The node is stopping. */
    public static Failure shuttingDown() {
        return unavailable("node_shutting_down", "This node is shutting down; send the request to another node.", 5);
    }
}
