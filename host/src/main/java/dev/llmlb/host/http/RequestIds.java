package dev.llmlb.host.http;

import dev.llmlb.host.metrics.NodeMetrics;
import dev.llmlb.host.metrics.Routes;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;

import java.lang.System.Logger.Level;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * Gives every request an id (the client's {@code X-Request-Id} when it is sane), returns it in the response and
 * logs one line per API request with it, so a client's report can be matched to the node's log.
 */
public final class RequestIds implements Filter {

    /** The id of the request the current thread handles, for log lines written on its behalf. */
    private static final ThreadLocal<String> CURRENT = new ThreadLocal<>();

    private final NodeMetrics metrics;

    public RequestIds(NodeMetrics metrics) {
        this.metrics = metrics;
    }

    private static final System.Logger LOG = System.getLogger("dev.llmlb.host.access");
    private static final String HEADER = "X-Request-Id";
    private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String id = req.headers().first(io.helidon.http.HeaderNames.create(HEADER))
                .filter(v -> SANE.matcher(v).matches()).orElseGet(RequestIds::newId);
        req.context().register(RequestIds.class, id);
        res.header(HEADER, id);
        long started = System.nanoTime();
        CURRENT.set(id);
        try {
            chain.proceed();
        } finally {
            String path = req.path().path();
            long nanos = System.nanoTime() - started;
            metrics.request(Routes.of(path), req.prologue().method().text(), res.status().code(), nanos);
            if (path.startsWith("/v1/") || path.startsWith("/v0/")) {
                LOG.log(Level.INFO, "{0} {1} {2} {3} ms", req.prologue().method().text(), path,
                        res.status().code(), nanos / 1_000_000);
            }
            CURRENT.remove();
        }
    }

    /** The id of the request this thread handles, when it handles one. */
    public static java.util.Optional<String> current() {
        return java.util.Optional.ofNullable(CURRENT.get());
    }

    /** The id of the request being handled. */
    public static String of(ServerRequest req) {
        return req.context().get(RequestIds.class, String.class).orElse("-");
    }

    private static String newId() {
        return "req-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
    }
}
