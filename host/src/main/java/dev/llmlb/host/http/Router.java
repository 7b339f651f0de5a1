package dev.llmlb.host.http;

import dev.llmlb.host.metrics.NodeMetrics;
import io.helidon.http.HttpException;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.lang.System.Logger.Level;
import java.util.function.Consumer;

/**
 * Assembles the routing: request ids, auth, the route groups, a JSON 404 for unknown paths, and error handlers
 * that turn every failure into OpenAI's error shape, with no stack trace leaving the node.
 */
public final class Router {

    private static final System.Logger LOG = System.getLogger(Router.class.getName());

    private Router() {
    }

    @SafeVarargs
    public static HttpRouting.Builder build(ApiKeys keys, NodeHeaders nodeHeaders, NodeMetrics metrics,
                                            Consumer<HttpRouting.Builder>... groups) {
        HttpRouting.Builder routing = HttpRouting.builder()
                .addFilter(new RequestIds(metrics))
                .addFilter(nodeHeaders)
                .addFilter(new AuthFilter(keys));
        for (Consumer<HttpRouting.Builder> group : groups) {
            group.accept(routing);
        }
        routing.any((req, res) -> Responses.error(res, new ApiException(404, ApiException.INVALID_REQUEST,
                "unknown_url", null, "Invalid URL (" + req.prologue().method().text() + " " + req.path().path()
                + ").")));
        routing.error(ApiException.class, (req, res, e) -> Responses.error(res, e));
        routing.error(HttpException.class, Router::httpError);
        routing.error(Throwable.class, Router::internalError);
        return routing;
    }

    private static void httpError(ServerRequest req, ServerResponse res, HttpException e) {
        int status = e.status().code();
        if (status >= 500) {
            internalError(req, res, e);
            return;
        }
        Responses.error(res, new ApiException(status, ApiException.INVALID_REQUEST,
                status == 413 ? "request_too_large" : "bad_request", null, e.getMessage()));
    }

    private static void internalError(ServerRequest req, ServerResponse res, Throwable e) {
        String id = RequestIds.of(req);
        LOG.log(Level.ERROR, "Internal error on " + req.prologue().method().text() + " " + req.path().path(), e);
        Responses.error(res, new ApiException(500, ApiException.SERVER_ERROR, "internal_error", null,
                "The node failed to handle the request (request id " + id + "); its log has the details."));
    }
}
