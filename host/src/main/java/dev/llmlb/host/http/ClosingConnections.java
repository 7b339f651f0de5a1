package dev.llmlb.host.http;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * Closes the connection after the answer when the client asked for it ({@code Connection: close}). Helidon 4.5.0
 * answers with {@code Connection: close} but keeps the socket open, waiting for another request (helidon-io/helidon
 * #12324, fixed after 4.5.3); a client that reads its answer until the connection closes then waits for its own
 * timeout. Throwing {@link CloseConnectionException} once the answer is sent is how a handler tells Helidon to close
 * the socket; it logs nothing above debug.
 */
final class ClosingConnections implements Filter {

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        chain.proceed();
        boolean asked = req.headers().first(HeaderNames.CONNECTION)
                .map(value -> value.toLowerCase(java.util.Locale.ROOT).contains("close")).orElse(false);
        if (asked && res.isSent()) {
            throw new CloseConnectionException("the client asked to close the connection");
        }
    }
}
