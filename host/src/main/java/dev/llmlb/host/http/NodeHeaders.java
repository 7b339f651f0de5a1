package dev.llmlb.host.http;

import dev.llmlb.host.failure.Failure;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

import java.util.function.Supplier;

/**
 * Names the node in every answer ({@code X-Llmlb-Node}), so that behind a load balancer a client's report says
 * which node answered; and, once the node drains for shutdown, turns away new API work with 503 and
 * {@code Retry-After}, which balancers retry on another node, while health and status routes keep answering.
 */
public final class NodeHeaders implements Filter {

    public static final String NODE_HEADER = "X-Llmlb-Node";
    private final Supplier<String> nodeName;
    private final Readiness readiness;

    public NodeHeaders(Supplier<String> nodeName, Readiness readiness) {
        this.nodeName = nodeName;
        this.readiness = readiness;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        res.header(NODE_HEADER, nodeName.get());
        if (readiness.isDraining() && req.path().path().startsWith("/v1/")
                && req.prologue().method().text().equals("POST")) {
            res.header("Connection", "close");
            Responses.error(res, Failure.unavailable("node_draining",
                    "This node is shutting down; send the request to another node.", 5));
            return;
        }
        chain.proceed();
    }
}
