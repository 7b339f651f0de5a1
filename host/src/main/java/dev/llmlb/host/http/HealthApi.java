package dev.llmlb.host.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmlb.host.json.Json;
import dev.llmlb.host.metrics.NodeMetrics;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * Liveness ({@code /health}), readiness ({@code /ready}) and Prometheus metrics ({@code /metrics}); open without a
 * key, for load balancers, orchestrators and scrapers.
 */
public final class HealthApi {

    private final Readiness readiness;
    private final NodeMetrics metrics;

    public HealthApi(Readiness readiness, NodeMetrics metrics) {
        this.readiness = readiness;
        this.metrics = metrics;
    }

    public void register(HttpRouting.Builder routing) {
        Endpoint.at("/health").get(this::health).register(routing);
        Endpoint.at("/ready").get(this::ready).register(routing);
        Endpoint.at("/metrics").get(this::metrics).register(routing);
    }

    private void metrics(ServerRequest req, ServerResponse res) throws java.io.IOException {
        res.header(io.helidon.http.HeaderNames.CONTENT_TYPE, NodeMetrics.contentType());
        try (var out = res.outputStream()) {
            metrics.write(out);
        }
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
