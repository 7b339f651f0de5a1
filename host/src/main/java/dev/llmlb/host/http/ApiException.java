package dev.llmlb.host.http;

import java.util.Map;

/**
 * An error a client gets in OpenAI's shape, {@code {"error":{"message","type","param","code"}}}, with its HTTP
 * status and any headers (such as {@code Retry-After}). Thrown anywhere below a route; the router writes it.
 */
public final class ApiException extends RuntimeException {

    public static final String INVALID_REQUEST = "invalid_request_error";
    public static final String SERVER_ERROR = "server_error";

    private final int status;
    private final String type;
    private final String code;
    private final String param;
    private final Map<String, String> headers;

    public ApiException(int status, String type, String code, String param, String message,
                        Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
        this.headers = Map.copyOf(headers);
    }

    public ApiException(int status, String type, String code, String param, String message) {
        this(status, type, code, param, message, Map.of());
    }

    /** 400 for a request field that is missing or wrong. */
    public static ApiException invalid(String param, String message) {
        return new ApiException(400, INVALID_REQUEST, "invalid_value", param, message);
    }

    /** 400 for a request field this node does not support. */
    public static ApiException unsupported(String param, String message) {
        return new ApiException(400, INVALID_REQUEST, "unsupported_parameter", param, message);
    }

    /** 404 for a model that is not in {@code supported_models.json}, worded as the user's document has it. */
    public static ApiException modelNotFound(String model) {
        return new ApiException(404, INVALID_REQUEST, "model_not_found", "model",
                "Model '" + model + "' is not supported. Check supported_models.json.");
    }

    /** 503 with {@code Retry-After}: the node cannot serve this now, another node or a later try may. */
    public static ApiException unavailable(String code, String message, long retryAfterSeconds) {
        return new ApiException(503, SERVER_ERROR, code, null, message,
                Map.of("Retry-After", Long.toString(Math.max(1, retryAfterSeconds))));
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String code() {
        return code;
    }

    public String param() {
        return param;
    }

    public Map<String, String> headers() {
        return headers;
    }
}
