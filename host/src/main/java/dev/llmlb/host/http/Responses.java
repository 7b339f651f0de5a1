package dev.llmlb.host.http;

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

    public static void error(ServerResponse res, ApiException e) {
        if (res.isSent()) {
            return;
        }
        e.headers().forEach(res::header);
        json(res, e.status(), Json.error(e));
    }
}
