package dev.llmlb.host.http;

import dev.llmlb.host.failure.Failure;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

import java.util.Optional;

/**
 * Requires an API key on every {@code /v1} and {@code /v0} route, as {@code Authorization: Bearer <key>} or
 * {@code X-API-Key: <key>}. Health, readiness and metrics stay open for load balancers and scrapers.
 */
public final class AuthFilter implements Filter {

    private static final io.helidon.http.HeaderName X_API_KEY = HeaderNames.create("X-API-Key");
    private final ApiKeys keys;

    public AuthFilter(ApiKeys keys) {
        this.keys = keys;
    }

    static boolean isProtected(String path) {
        return path.equals("/v1") || path.startsWith("/v1/") || path.equals("/v0") || path.startsWith("/v0/");
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        if (!isProtected(req.path().path())) {
            chain.proceed();
            return;
        }
        Optional<String> presented = presentedKey(req);
        if (presented.isEmpty()) {
            Responses.error(res, new Failure(Failure.Kind.UNAUTHENTICATED, "missing_api_key",
                    "You didn't provide an API key. Send it as 'Authorization: Bearer <key>' or 'X-API-Key: <key>'."));
            return;
        }
        if (!keys.accepts(presented.get())) {
            Responses.error(res, new Failure(Failure.Kind.UNAUTHENTICATED, "invalid_api_key",
                    "Incorrect API key provided. Use a key from LLMLB_API_KEYS."));
            return;
        }
        chain.proceed();
    }

    private static Optional<String> presentedKey(RoutingRequest req) {
        Optional<String> authorization = req.headers().first(HeaderNames.AUTHORIZATION);
        if (authorization.isPresent()) {
            String value = authorization.get().strip();
            if (value.regionMatches(true, 0, "Bearer ", 0, 7)) {
                String key = value.substring(7).strip();
                return key.isEmpty() ? Optional.empty() : Optional.of(key);
            }
        }
        return req.headers().first(X_API_KEY).map(String::strip).filter(k -> !k.isEmpty());
    }
}
