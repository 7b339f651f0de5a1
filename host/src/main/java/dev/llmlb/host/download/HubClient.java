package dev.llmlb.host.download;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webclient.api.HttpClientRequest;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.WebClient;

import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * HTTP requests to a hub and its CDN. Redirects are followed here, not by Helidon's client, which drops
 * {@code Range} and {@code Authorization} when it follows them; the token is sent only to the hub's own scheme,
 * host and port, never to the CDN a redirect points at. Hub errors become {@link DownloadException}s whose
 * reason says what to do.
 */
final class HubClient implements AutoCloseable {

    static final HeaderName LINKED_ETAG = HeaderNames.create("X-Linked-Etag");
    static final HeaderName LINKED_SIZE = HeaderNames.create("X-Linked-Size");
    static final HeaderName ERROR_CODE = HeaderNames.create("X-Error-Code");
    private static final int MAX_REDIRECTS = 5;

    private final DownloadSettings settings;
    private final WebClient client;

    HubClient(DownloadSettings settings) {
        this.settings = settings;
        this.client = WebClient.builder()
                .followRedirects(false)
                .connectTimeout(Duration.ofSeconds(30))
                .readTimeout(settings.stallTimeout())
                .keepAlive(false)
                .build();
    }

    /**
     * A response after redirects, with what the hub said about the file on the way.
     *
     * @param linkedEtag the hub's {@code X-Linked-Etag} (the LFS file's SHA-256), unquoted
     * @param linkedSize the hub's {@code X-Linked-Size}
     */
    record Opened(HttpClientResponse response, URI uri, Optional<String> linkedEtag, OptionalLong linkedSize)
            implements AutoCloseable {

        int status() {
            return response.status().code();
        }

        Optional<String> header(HeaderName name) {
            return response.headers().first(name);
        }

        @Override
        public void close() {
            response.close();
        }
    }

    /** Sends {@code method} to {@code uri}, following redirects, with {@code range} when given. */
    Opened open(Method method, URI uri, Optional<String> range) throws DownloadException {
        if (settings.offline()) {
            throw new DownloadException(DownloadException.Kind.OFFLINE,
                    "HF_HUB_OFFLINE is set, so the node does not touch the network");
        }
        URI current = uri;
        Optional<String> linkedEtag = Optional.empty();
        OptionalLong linkedSize = OptionalLong.empty();
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpClientRequest request = client.method(method).uri(current).followRedirects(false).keepAlive(false);
            if (isHub(current)) {
                settings.hubToken().ifPresent(token -> request.header(HeaderNames.AUTHORIZATION, "Bearer " + token));
            }
            range.ifPresent(r -> request.header(HeaderNames.RANGE, r));
            HttpClientResponse response;
            try {
                response = request.request();
            } catch (RuntimeException e) {
                throw networkFailure(current, e);
            }
            int status = response.status().code();
            if (linkedEtag.isEmpty()) {
                linkedEtag = response.headers().first(LINKED_ETAG).map(HubClient::unquote);
            }
            if (linkedSize.isEmpty()) {
                linkedSize = response.headers().first(LINKED_SIZE).map(Long::parseLong)
                        .map(OptionalLong::of).orElse(OptionalLong.empty());
            }
            if (status >= 300 && status < 400 && status != 304) {
                Optional<String> location = response.headers().first(HeaderNames.LOCATION);
                response.close();
                if (location.isEmpty()) {
                    throw new DownloadException(DownloadException.Kind.IO, "the hub answered " + status
                            + " without a Location for " + current);
                }
                current = current.resolve(location.get());
                continue;
            }
            if (status >= 200 && status < 300 || status == 416) {
                return new Opened(response, current, linkedEtag, linkedSize);
            }
            Optional<String> errorCode = response.headers().first(ERROR_CODE);
            response.close();
            throw failure(status, errorCode, uri);
        }
        throw new DownloadException(DownloadException.Kind.IO, "more than " + MAX_REDIRECTS + " redirects for " + uri);
    }

    private boolean isHub(URI target) {
        URI hub = settings.hubEndpoint();
        return hub.getScheme().equalsIgnoreCase(target.getScheme())
                && hub.getHost().equalsIgnoreCase(target.getHost()) && port(hub) == port(target);
    }

    private static int port(URI uri) {
        return uri.getPort() >= 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    private DownloadException failure(int status, Optional<String> errorCode, URI uri) {
        String what = describe(uri);
        String code = errorCode.map(c -> " " + c).orElse("");
        return switch (status) {
            case 401 -> new DownloadException(DownloadException.Kind.UNAUTHORIZED, settings.hubToken().isPresent()
                    ? "the hub rejected HF_TOKEN for " + what + " (401" + code + "); set HF_TOKEN to a token that "
                    + "can read this repository"
                    : "the hub requires authentication for " + what + " (401" + code + "): the repository is "
                    + "private or gated; set HF_TOKEN in the environment or in ~/.llmlb/.env");
            case 403 -> new DownloadException(DownloadException.Kind.FORBIDDEN, "access to " + what
                    + " is forbidden (403" + code + "): the repository is gated; accept its terms on the hub with "
                    + "the account of HF_TOKEN");
            case 404 -> new DownloadException(DownloadException.Kind.NOT_FOUND, notFound(errorCode, what));
            case 429 -> new DownloadException(DownloadException.Kind.SERVER_ERROR, "the hub is rate limiting "
                    + "requests (429) for " + what);
            default -> status >= 500
                    ? new DownloadException(DownloadException.Kind.SERVER_ERROR, "the hub answered " + status
                    + " for " + what)
                    : new DownloadException(DownloadException.Kind.IO, "the hub answered " + status + " for " + what);
        };
    }

    private static String notFound(Optional<String> errorCode, String what) {
        return switch (errorCode.orElse("")) {
            case "RepoNotFound" -> "repository not found for " + what + " (404 RepoNotFound); check repo_id in "
                    + "supported_models.json, or set HF_TOKEN if the repository is private";
            case "RevisionNotFound" -> "revision not found for " + what + " (404 RevisionNotFound); check the "
                    + "entry's revision";
            case "EntryNotFound" -> "file not found: " + what + " (404 EntryNotFound); check the artifact's "
                    + "filename in supported_models.json";
            default -> "not found: " + what + " (404)";
        };
    }

    /** {@code owner/name/resolve/main/file} for a hub URL; the whole URL otherwise. Never carries a token. */
    private static String describe(URI uri) {
        String path = uri.getPath();
        return path.startsWith("/") ? path.substring(1) : path;
    }

    static DownloadException networkFailure(URI uri, Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException) {
                return new DownloadException(DownloadException.Kind.NETWORK_TIMEOUT, "Network timeout", e);
            }
        }
        return new DownloadException(DownloadException.Kind.NETWORK, "cannot reach " + uri.getScheme() + "://"
                + uri.getAuthority() + ": " + rootMessage(e), e);
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }

    private static String unquote(String etag) {
        String value = etag.strip();
        if (value.startsWith("W/")) {
            value = value.substring(2);
        }
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
            value = value.substring(1, value.length() - 1);
        }
        return value.toLowerCase(Locale.ROOT);
    }

    @Override
    public void close() {
        client.closeResource();
    }
}
