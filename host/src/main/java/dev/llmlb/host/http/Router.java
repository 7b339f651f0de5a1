package dev.llmlb.host.http;

import dev.llmlb.host.failure.Failure;
import dev.llmlb.host.failure.FailureException;
import dev.llmlb.host.failure.Failures;
import dev.llmlb.host.metrics.NodeMetrics;
import io.helidon.http.HttpException;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.lang.System.Logger.Level;
import java.util.function.Consumer;

/**
 * Assembles the routing: connections closed when clients ask, request ids, auth, the route groups, a JSON 404 for unknown paths, and error handlers
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
                .addFilter(new ClosingConnections())
                .addFilter(new RequestIds(metrics))
                .addFilter(nodeHeaders)
                .addFilter(new AuthFilter(keys));
        for (Consumer<HttpRouting.Builder> group : groups) {
            group.accept(routing);
        }
        routing.any((req, res) -> Responses.error(res, new Failure(Failure.Kind.NOT_FOUND, "unknown_url",
                "Invalid URL (" + req.prologue().method().text() + " " + req.path().path() + ").")));
        routing.error(FailureException.class, (req, res, e) -> Responses.error(res,
                ErrorMapper.forRequest(e.failure(), RequestIds.of(req))));
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
        Responses.error(res, status == 413
                ? new Failure(Failure.Kind.TOO_LARGE, "request_too_large", e.getMessage())
                : new Failure(Failure.Kind.INVALID_INPUT, "bad_request", e.getMessage()));
    }

    /** Anything else: a plugin's own exception maps by its type; an unknown one is a bug, logged in full. */
    private static void internalError(ServerRequest req, ServerResponse res, Throwable e) {
        Failure failure = Failures.of(e);
        if (failure.kind() == Failure.Kind.INTERNAL) {
            String id = RequestIds.of(req);
            LOG.log(Level.ERROR, "Internal error on " + req.prologue().method().text() + " " + req.path().path(), e);
            failure = new Failure(Failure.Kind.INTERNAL, "internal_error", "The node failed to handle the request "
                    + "(request id " + id + "); its log has the details.");
        }
        Responses.error(res, ErrorMapper.forRequest(failure, RequestIds.of(req)));
    }
}
