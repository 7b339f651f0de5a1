package dev.llmlb.host.download;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * HTTP requests to a hub, a mirror and their CDNs, with the JDK's HTTP client: measured here at about three times
 * the throughput of Helidon's WebClient for large bodies (docs/benchmarks.md). Redirects are followed here, not by
 * the client, so that {@code Range} survives them and a source's request headers (its credentials) go to the origin
 * it planned the file on and nowhere else: a redirect to another scheme, host or port drops them. Header values are
 * never logged. Failures become {@link DownloadException}s whose reason says what to do.
 */
final class HubClient implements AutoCloseable {

    static final String LINKED_ETAG = "X-Linked-Etag";
    static final String LINKED_SIZE = "X-Linked-Size";
    static final String REPO_COMMIT = "X-Repo-Commit";
    static final String ERROR_CODE = "X-Error-Code";
    private static final int MAX_REDIRECTS = 5;
    /**
     * The JDK client reads sockets into buffers of this size (default 16 KiB): 256 KiB took a single stream on
     * loopback from ~120 to ~230 MB/s here (bench/download-vs-curl.sh), leaving SHA-256 as the main cost. The JDK
     * reads it once, when its first client is built; an operator's own {@code -Djdk.httpclient.bufsize} wins.
     */
    private static final String BUFFER_SIZE_PROPERTY = "jdk.httpclient.bufsize";

    static {
        if (System.getProperty(BUFFER_SIZE_PROPERTY) == null) {
            System.setProperty(BUFFER_SIZE_PROPERTY, Integer.toString(256 << 10));
        }
    }

    private final DownloadSettings settings;
    private final HttpClient client;

    HubClient(DownloadSettings settings) {
        this.settings = settings;
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(settings.hubTimeout())
                .build();
    }

    /**
     * A response after redirects, with what the hub said about the file on the way.
     *
     * @param uri        where the response came from, after redirects
     * @param linkedEtag the hub's {@code X-Linked-Etag} (the LFS file's SHA-256), unquoted
     * @param linkedSize the hub's {@code X-Linked-Size}
     * @param repoCommit the hub's {@code X-Repo-Commit}
     */
    record Opened(HttpResponse<InputStream> response, URI uri, Optional<String> linkedEtag, OptionalLong linkedSize,
                  Optional<String> repoCommit) implements AutoCloseable {

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

    /**
     * Sends {@code method} to {@code uri}, following redirects, with {@code headers} while the request stays on
     * {@code uri}'s origin and {@code range} when given; each hop's response headers must come within
     * {@code timeout}.
     */
    Opened open(String method, URI uri, Map<String, String> headers, Optional<String> range, Duration timeout)
            throws DownloadException {
        if (settings.offline()) {
            throw new DownloadException(DownloadException.Kind.OFFLINE,
                    "HF_HUB_OFFLINE is set, so the node does not touch the network");
        }
        URI current = uri;
        Optional<String> linkedEtag = Optional.empty();
        OptionalLong linkedSize = OptionalLong.empty();
        Optional<String> commit = Optional.empty();
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpRequest.Builder request = HttpRequest.newBuilder(current)
                    .timeout(timeout)
                    .method(method, HttpRequest.BodyPublishers.noBody());
            boolean credentials = sameOrigin(uri, current) && !headers.isEmpty();
            if (credentials) {
                headers.forEach(request::header);
            }
            range.ifPresent(r -> request.header("Range", r));
            HttpResponse<InputStream> response;
            try {
                response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                throw networkFailure(current, e, timeout);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DownloadException(DownloadException.Kind.CANCELLED, "interrupted while asking "
                        + origin(current));
            }
            int status = response.statusCode();
            var responseHeaders = response.headers();
            if (linkedEtag.isEmpty()) {
                linkedEtag = responseHeaders.firstValue(LINKED_ETAG).map(HubClient::unquote);
            }
            if (linkedSize.isEmpty()) {
                linkedSize = responseHeaders.firstValue(LINKED_SIZE).filter(v -> v.matches("\\d{1,18}"))
                        .map(v -> OptionalLong.of(Long.parseLong(v))).orElse(OptionalLong.empty());
            }
            if (commit.isEmpty()) {
                commit = responseHeaders.firstValue(REPO_COMMIT).filter(c -> c.matches("[0-9a-fA-F]{7,64}"));
            }
            Opened opened = new Opened(response, current, linkedEtag, linkedSize, commit);
            if (status >= 300 && status < 400 && status != 304) {
                Optional<String> location = responseHeaders.firstValue("Location");
                opened.close();
                if (location.isEmpty()) {
                    throw new DownloadException(DownloadException.Kind.IO, "the server answered " + status
                            + " without a Location for " + describe(current));
                }
                try {
                    current = current.resolve(location.get().strip());
                } catch (IllegalArgumentException e) {
                    throw new DownloadException(DownloadException.Kind.IO, "the server redirected "
                            + describe(current) + " to an invalid location");
                }
                if (current.getScheme() == null || !current.getScheme().matches("(?i)https?")) {
                    throw new DownloadException(DownloadException.Kind.IO, "the server redirected "
                            + describe(uri) + " to a non-HTTP location");
                }
                continue;
            }
            if (status >= 200 && status < 300 || status == 416) {
                return opened;
            }
            Optional<String> errorCode = responseHeaders.firstValue(ERROR_CODE);
            long retryAfter = responseHeaders.firstValue("Retry-After").filter(v -> v.matches("\\d{1,6}"))
                    .map(Long::parseLong).orElse(-1L);
            opened.close();
            throw failure(status, errorCode, uri, credentials).retryAfter(retryAfter);
        }
        throw new DownloadException(DownloadException.Kind.IO, "more than " + MAX_REDIRECTS + " redirects for "
                + describe(uri));
    }

    static boolean sameOrigin(URI a, URI b) {
        return a.getScheme() != null && b.getScheme() != null && a.getHost() != null && b.getHost() != null
                && a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost().equalsIgnoreCase(b.getHost())
                && port(a) == port(b);
    }

    private static int port(URI uri) {
        return uri.getPort() >= 0 ? uri.getPort() : "https".equals(uri.getScheme().toLowerCase(Locale.ROOT)) ? 443
                : 80;
    }

    private boolean isHub(URI target) {
        return sameOrigin(settings.hubEndpoint(), target);
    }

    private DownloadException failure(int status, Optional<String> errorCode, URI uri, boolean sentCredentials) {
        String what = describe(uri);
        String code = errorCode.map(c -> " " + c).orElse("");
        boolean hub = isHub(uri);
        return switch (status) {
            case 401 -> new DownloadException(DownloadException.Kind.UNAUTHORIZED, !hub
                    ? "the server refused " + what + " without valid credentials (401" + code + "); check the "
                    + "credentials the model's source is configured with"
                    : sentCredentials
                    ? "the hub rejected HF_TOKEN for " + what + " (401" + code + "); set HF_TOKEN to a token that "
                    + "can read this repository"
                    : "the hub requires authentication for " + what + " (401" + code + "): the repository is "
                    + "private or gated; set HF_TOKEN in the environment or in ~/.llmlb/.env");
            case 403 -> new DownloadException(DownloadException.Kind.FORBIDDEN, hub
                    ? "access to " + what + " is forbidden (403" + code + "): the repository is gated; accept its "
                    + "terms on the hub with the account of HF_TOKEN"
                    : "access to " + what + " is forbidden (403" + code + ")");
            case 404 -> new DownloadException(DownloadException.Kind.NOT_FOUND, notFound(errorCode, what));
            case 408, 429 -> new DownloadException(DownloadException.Kind.SERVER_ERROR, "the server is limiting "
                    + "requests (" + status + ") for " + what);
            default -> status >= 500
                    ? new DownloadException(DownloadException.Kind.SERVER_ERROR, "the server answered " + status
                    + " for " + what)
                    : new DownloadException(DownloadException.Kind.IO, "the server answered " + status + " for "
                    + what);
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

    /** {@code owner/name/resolve/main/file} for a hub URL; the whole path otherwise. Never a query or a token. */
    static String describe(URI uri) {
        String path = uri.getPath() == null ? "" : uri.getPath();
        return path.startsWith("/") ? path.substring(1) : path;
    }

    private static String origin(URI uri) {
        return uri.getScheme() + "://" + uri.getRawAuthority();
    }

    /**
     * What a failed request means: a timeout, an unreachable server (name lookup failed, connection refused or
     * timed out: the hub cannot be reached at all, so the message says what to do without it), or a connection
     * that broke.
     */
    DownloadException networkFailure(URI uri, Throwable e, Duration timeout) {
        if (isUnreachable(e)) {
            return new DownloadException(DownloadException.Kind.UNREACHABLE, "cannot reach " + origin(uri) + " ("
                    + rootMessage(e) + "). Check HF_ENDPOINT (now " + settings.hubEndpoint() + ") and the network; "
                    + "HF_HUB_OFFLINE=1 serves the models already on disk, and `llmlb-node demo` runs without "
                    + "network", e);
        }
        if (e instanceof HttpTimeoutException) {
            return new DownloadException(DownloadException.Kind.NETWORK_TIMEOUT, "Network timeout (no answer from "
                    + origin(uri) + " within " + seconds(timeout) + ", LLMLB_HUB_TIMEOUT)", e);
        }
        return new DownloadException(DownloadException.Kind.NETWORK, "lost the connection to " + origin(uri) + ": "
                + rootMessage(e), e);
    }

    private static boolean isUnreachable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ConnectException || t instanceof UnknownHostException
                    || t instanceof UnresolvedAddressException || t instanceof NoRouteToHostException
                    || t instanceof HttpConnectTimeoutException) {
                return true;
            }
        }
        return false;
    }

    static String seconds(Duration duration) {
        return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + " s" : duration.toMillis() + " ms";
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root instanceof UnresolvedAddressException || root instanceof UnknownHostException) {
            return "the name does not resolve";
        }
        if (root instanceof ConnectException) {
            return "connection refused";
        }
        if (root instanceof HttpConnectTimeoutException) {
            return "connection timed out";
        }
        String message = root.getMessage();
        return message == null || message.isBlank() ? "the connection broke" : message;
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
        // Aborts the requests in flight: a node that stops must not wait for a stalled transfer.
        client.shutdownNow();
    }
}
