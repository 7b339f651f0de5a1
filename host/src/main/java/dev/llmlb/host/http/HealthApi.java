package dev.llmlb.host.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/** Liveness ({@code /health}) and readiness ({@code /ready}); open, for load balancers and orchestrators. */
public final class HealthApi {

    private final Readiness readiness;

    public HealthApi(Readiness readiness) {
        this.readiness = readiness;
    }

    public void register(HttpRouting.Builder routing) {
        Endpoint.at("/health").get(this::health).register(routing);
        Endpoint.at("/ready").get(this::ready).register(routing);
    }

    private void health(ServerRequest req, ServerResponse res) {
        ObjectNode body = Json.object();
        body.put("status", "ok");
        Responses.json(res, body);
    }

    private void ready(ServerRequest req, ServerResponse res) {
        ObjectNode body = Json.object();
        boolean ready = readiness.isReady();
        body.put("status", ready ? "ready" : readiness.isDraining() ? "draining" : "starting");
        if (!ready) {
            res.header("Retry-After", "5");
        }
        Responses.json(res, ready ? 200 : 503, body);
    }
}
