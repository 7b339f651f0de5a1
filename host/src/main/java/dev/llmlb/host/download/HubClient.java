package dev.llmlb.host.download;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * HTTP requests to a hub and its CDN, with the JDK's HTTP client: measured here at about three times the
 * throughput of Helidon's WebClient for large bodies (docs/benchmarks.md). Redirects are followed here, not by the
 * client, so that {@code Range} survives them and the token is sent only to the hub's own scheme, host and port,
 * never to the CDN a redirect points at. Hub errors become {@link DownloadException}s whose reason says what to do.
 */
final class HubClient implements AutoCloseable {

    static final String LINKED_ETAG = "X-Linked-Etag";
    static final String LINKED_SIZE = "X-Linked-Size";
    static final String ERROR_CODE = "X-Error-Code";
    private static final int MAX_REDIRECTS = 5;

    private final DownloadSettings settings;
    private final HttpClient client;

    HubClient(DownloadSettings settings) {
        this.settings = settings;
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(30))
                .build();
    }

    /**
     * A response after redirects, with what the hub said about the file on the way.
     *
     * @param linkedEtag the hub's {@code X-Linked-Etag} (the LFS file's SHA-256), unquoted
     * @param linkedSize the hub's {@code X-Linked-Size}
     */
    record Opened(HttpResponse<InputStream> response, URI uri, Optional<String> linkedEtag, OptionalLong linkedSize)
            implements AutoCloseable {

        int status() {
            return response.statusCode();
        }

        Optional<String> header(String name) {
            return response.headers().firstValue(name);
        }

        InputStream body() {
            return response.body();
        }

        @Override
        public void close() {
            try {
                response.body().close();
            } catch (IOException e) {
                // closing a response stream only releases the connection; nothing to report
            }
        }
    }

    /** Sends {@code method} to {@code uri}, following redirects, with {@code range} when given. */
    Opened open(String method, URI uri, Optional<String> range) throws DownloadException {
        if (settings.offline()) {
            throw new DownloadException(DownloadException.Kind.OFFLINE,
                    "HF_HUB_OFFLINE is set, so the node does not touch the network");
        }
        URI current = uri;
        Optional<String> linkedEtag = Optional.empty();
        OptionalLong linkedSize = OptionalLong.empty();
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpRequest.Builder request = HttpRequest.newBuilder(current)
                    .timeout(settings.stallTimeout())
                    .method(method, HttpRequest.BodyPublishers.noBody());
            if (isHub(current)) {
                settings.hubToken().ifPresent(token -> request.header("Authorization", "Bearer " + token));
            }
            range.ifPresent(r -> request.header("Range", r));
            HttpResponse<InputStream> response;
            try {
                response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                throw networkFailure(current, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DownloadException(DownloadException.Kind.CANCELLED, "interrupted while asking " + current);
            }
            int status = response.statusCode();
            if (linkedEtag.isEmpty()) {
                linkedEtag = response.headers().firstValue(LINKED_ETAG).map(HubClient::unquote);
            }
            if (linkedSize.isEmpty()) {
                linkedSize = response.headers().firstValue(LINKED_SIZE).map(Long::parseLong)
                        .map(OptionalLong::of).orElse(OptionalLong.empty());
            }
            if (status >= 300 && status < 400 && status != 304) {
                Optional<String> location = response.headers().firstValue("Location");
                new Opened(response, current, linkedEtag, linkedSize).close();
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
            Optional<String> errorCode = response.headers().firstValue(ERROR_CODE);
            long retryAfter = response.headers().firstValue("Retry-After").filter(v -> v.matches("\\d{1,6}"))
                    .map(Long::parseLong).orElse(-1L);
            new Opened(response, current, linkedEtag, linkedSize).close();
            throw failure(status, errorCode, uri).retryAfter(retryAfter);
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

    /** {@code owner/name/resolve/main/file} for a hub URL; the whole path otherwise. Never carries a token. */
    private static String describe(URI uri) {
        String path = uri.getPath();
        return path.startsWith("/") ? path.substring(1) : path;
    }

    static DownloadException networkFailure(URI uri, Throwable e) {
        if (e instanceof HttpTimeoutException) {
            return new DownloadException(DownloadException.Kind.NETWORK_TIMEOUT, "Network timeout", e);
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
        client.close();
    }
}
