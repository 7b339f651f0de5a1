package dev.llmlb.host.http;

import dev.llmlb.host.failure.Failure;
import dev.llmlb.host.json.Json;
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

    /**
     * Ends the exchange of a client that left: nobody reads the answer, but the server wants one sent. Writing to the
     * closed connection fails, which is expected here.
     */
    public static void abandon(ServerResponse res) {
        if (res.isSent()) {
            return;
        }
        try {
            res.status(Status.create(499, "Client Closed Request"));
            res.send();
        } catch (RuntimeException e) {
            // The connection is gone; there is nothing left to tell anyone.
        }
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
