package dev.llmlb.host.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmlb.host.failure.Failure;
import dev.llmlb.host.json.Json;

/**
 * The one place where a {@link Failure} becomes an HTTP answer: status, OpenAI error {@code type}, {@code Retry-After}
 * and the body {@code {"error":{"message","type","param","code"}}}.
 */
public final class ErrorMapper {

    public static final String INVALID_REQUEST = "invalid_request_error";
    public static final String RATE_LIMIT = "rate_limit_error";
    public static final String SERVER_ERROR = "server_error";

    /** What a client gets for the two temporary kinds when the failure itself gives no hint. */
    private static final long DEFAULT_RETRY_AFTER_SECONDS = 5;

    private ErrorMapper() {
    }

    /** The HTTP status of a failure. */
    public static int status(Failure failure) {
        return switch (failure.kind()) {
            case INVALID_INPUT -> 400;
            case UNAUTHENTICATED -> 401;
            case NOT_FOUND -> 404;
            case METHOD_NOT_ALLOWED -> 405;
            case CONFLICT -> 409;
            case TOO_LARGE -> 413;
            case OVERLOADED -> 429;
            case UNAVAILABLE -> 503;
            case DOWNLOAD_FAILED -> 502;
            case TIMEOUT -> 504;
            case ENGINE_ERROR, INTERNAL -> 500;
        };
    }

    /** The OpenAI error {@code type} of a failure. */
    public static String type(Failure failure) {
        return switch (failure.kind()) {
            case OVERLOADED -> RATE_LIMIT;
            case INVALID_INPUT, UNAUTHENTICATED, NOT_FOUND, METHOD_NOT_ALLOWED, CONFLICT, TOO_LARGE -> INVALID_REQUEST;
            case UNAVAILABLE, DOWNLOAD_FAILED, TIMEOUT, ENGINE_ERROR, INTERNAL -> SERVER_ERROR;
        };
    }

    /** The seconds for {@code Retry-After}, or 0 for none. */
    public static long retryAfterSeconds(Failure failure) {
        if (failure.retryAfterSeconds() > 0) {
            return failure.retryAfterSeconds();
        }
        return failure.kind() == Failure.Kind.OVERLOADED || failure.kind() == Failure.Kind.UNAVAILABLE
                ? DEFAULT_RETRY_AFTER_SECONDS : 0;
    }

    /**
     * The failure as the client of request {@code requestId} is told: a failure of the node or an engine names the
     * request, so that its report can be matched to the node's log.
     */
    public static Failure forRequest(Failure failure, String requestId) {
        if (failure.kind() != Failure.Kind.ENGINE_ERROR && failure.kind() != Failure.Kind.INTERNAL
                || failure.message().contains(requestId)) {
            return failure;
        }
        return new Failure(failure.kind(), failure.code(), failure.message() + " (request id " + requestId + ")",
                failure.param(), failure.retryAfterSeconds());
    }

    /** The OpenAI error body. */
    public static ObjectNode body(Failure failure) {
        ObjectNode error = Json.object();
        error.put("message", failure.message());
        error.put("type", type(failure));
        error.put("param", failure.param());
        error.put("code", failure.code());
        ObjectNode body = Json.object();
        body.set("error", error);
        return body;
    }
}
