package dev.llmlb.host.http;

import dev.llmlb.host.failure.Failure;
import io.helidon.http.Method;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRouting;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One path with its methods. Registering it also registers a 405 for every other method, with {@code Allow},
 * so that a wrong method is told apart from a wrong path.
 */
public final class Endpoint {

    private final String path;
    private final Map<Method, Handler> handlers = new LinkedHashMap<>();

    private Endpoint(String path) {
        this.path = path;
    }

    public static Endpoint at(String path) {
        return new Endpoint(path);
    }

    public Endpoint get(Handler handler) {
        handlers.put(Method.GET, handler);
        return this;
    }

    public Endpoint post(Handler handler) {
        handlers.put(Method.POST, handler);
        return this;
    }

    public Endpoint delete(Handler handler) {
        handlers.put(Method.DELETE, handler);
        return this;
    }

    public void register(HttpRouting.Builder routing) {
        handlers.forEach((method, handler) -> routing.route(method, path, handler));
        String allowed = handlers.keySet().stream().map(Method::text).collect(Collectors.joining(", "));
        routing.any(path, (req, res) -> {
            res.header("Allow", allowed);
            Responses.error(res, new Failure(Failure.Kind.METHOD_NOT_ALLOWED, "method_not_allowed",
                    "Method " + req.prologue().method().text() + " is not allowed for " + req.path().path()
                            + "; use " + allowed + "."));
        });
    }
}
