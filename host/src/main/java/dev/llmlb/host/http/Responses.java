package dev.llmlb.host.http;

import dev.llmlb.host.failure.Failure;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

/** Writes JSON answers. */
public final class Responses {

    private static final String JSON = "application/json";

    private Responses() {
    }

    public static void json(ServerResponse res, int status, Object body) {
        res.status(Status.create(status));
        res.header(HeaderNames.CONTENT_TYPE, JSON);
        res.send(Json.bytes(body));
    }

    public static void json(ServerResponse res, Object body) {
        json(res, 200, body);
    }

    /** Answers with a failure, unless an answer is already on its way. */
    public static void error(ServerResponse res, Failure failure) {
        if (res.isSent()) {
            return;
        }
        long retryAfter = ErrorMapper.retryAfterSeconds(failure);
        if (retryAfter > 0) {
            res.header("Retry-After", Long.toString(retryAfter));
        }
        json(res, ErrorMapper.status(failure), ErrorMapper.body(failure));
    }
}
