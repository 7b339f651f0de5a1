package dev.llmlb.testkit.hub;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local HuggingFace hub that speaks the protocol the node relies on, with faults on demand and counters, so
 * tests run the real download code over real HTTP.
 *
 * <ul>
 *   <li>{@code GET|HEAD /{repo}/resolve/{revision}/{path}}: small files {@code 200} with {@code ETag} (git blob
 *   sha) and {@code X-Repo-Commit}; LFS files {@code 302} to the CDN with {@code X-Linked-Etag} (SHA-256),
 *   {@code X-Linked-Size} and {@code X-Repo-Commit}.</li>
 *   <li>The CDN is a second server on another loopback address ({@code 127.0.0.2}) and port, honouring {@code Range} with {@code 206}/{@code Content-Range}, {@code 416} out of range.</li>
 *   <li>{@code GET /api/models/{repo}/tree/{revision}} (in pages linked by a {@code Link: <...>; rel="next"} header
 *   after {@link #paginateTree}) and {@code GET /api/models/{repo}}.</li>
 *   <li>{@code 401} for a private repository without its token, {@code 403} for a gated one, {@code 404} with
 *   {@code X-Error-Code} {@code RepoNotFound}, {@code RevisionNotFound} or {@code EntryNotFound}.</li>
 * </ul>
 *
 * <p>Beyond {@link Fault}s per file: {@link #capEachConnection} limits every response body to a rate, as CDNs do
 * per connection, and {@link #faultListing} applies faults to a repository's tree listing.
 */
public final class FakeHub implements AutoCloseable {

    private static final Pattern RESOLVE = Pattern.compile("/(.+?/.+?)/resolve/([^/]+)/(.+)");
    private static final Pattern TREE = Pattern.compile("/api/models/(.+?/.+?)/tree/([^/]+)(?:/(.*))?");
    private static final Pattern INFO = Pattern.compile("/api/models/([^/]+/[^/]+)");
    private static final Pattern LFS = Pattern.compile("/lfs/(.+?/.+?)/([0-9a-f]{64})/(.+)");
    /** The hub's address; the CDN is another loopback address, so it is another host for the node. */
    private static final String HUB_HOST = "127.0.0.1";
    private static final String CDN_HOST = "127.0.0.2";
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d*)");

    /** One request as the hub or the CDN saw it. */
    public record LoggedRequest(String server, String method, String path, String range, boolean authorization,
                                int status) {
    }

    private final HttpServer hub;
    private final HttpServer cdn;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final Map<String, FakeRepo> repos = new ConcurrentHashMap<>();
    private final Map<String, List<Fault>> faults = new ConcurrentHashMap<>();
    private final Map<String, List<Fault>> listingFaults = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> listingRequests = new ConcurrentHashMap<>();
    private volatile long connectionRate = Long.MAX_VALUE;
    private volatile int treePageSize = Integer.MAX_VALUE;
    private final Map<String, AtomicLong> hubRequests = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> cdnRequests = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> bodyBytes = new ConcurrentHashMap<>();
    private final AtomicInteger cdnAuthorizations = new AtomicInteger();
    private final AtomicInteger bodiesInFlight = new AtomicInteger();
    private final AtomicInteger peakBodiesInFlight = new AtomicInteger();
    private final List<LoggedRequest> log = new CopyOnWriteArrayList<>();

    private FakeHub(HttpServer hub, HttpServer cdn) {
        this.hub = hub;
        this.cdn = cdn;
        hub.setExecutor(threads);
        cdn.setExecutor(threads);
        hub.createContext("/", this::handleHub);
        cdn.createContext("/", this::handleCdn);
        hub.start();
        cdn.start();
    }

    /** Starts a hub on {@code 127.0.0.1} and its CDN on {@code 127.0.0.2}, both on free ports. */
    public static FakeHub start() {
        try {
            return new FakeHub(HttpServer.create(new InetSocketAddress(InetAddress.getByName(HUB_HOST), 0), 128),
                    HttpServer.create(new InetSocketAddress(InetAddress.getByName(CDN_HOST), 0), 128));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The hub, for {@code HF_ENDPOINT}: {@code http://127.0.0.1:<port>}. */
    public URI endpoint() {
        return URI.create("http://" + HUB_HOST + ":" + hub.getAddress().getPort());
    }

    /** The CDN large files redirect to: {@code http://127.0.0.2:<port>}, another host than the hub. */
    public URI cdnEndpoint() {
        return URI.create("http://" + CDN_HOST + ":" + cdn.getAddress().getPort());
    }

    /** The repository {@code id} ({@code owner/name}), created empty when new. */
    public FakeRepo repo(String id) {
        return repos.computeIfAbsent(id, FakeRepo::new);
    }

    /** Applies faults to the GETs of one file (on the CDN for LFS files). */
    public void fault(String repo, String path, Fault... toAdd) {
        faults.computeIfAbsent(key(repo, path), k -> new CopyOnWriteArrayList<>()).addAll(List.of(toAdd));
    }

    /** Applies faults to a repository's tree listing: a stall (headers, some bytes, then nothing), a 5xx. */
    public void faultListing(String repo, Fault... toAdd) {
        listingFaults.computeIfAbsent(repo, k -> new CopyOnWriteArrayList<>()).addAll(List.of(toAdd));
    }

    /** Removes the faults of files and listings. */
    public void clearFaults() {
        faults.clear();
        listingFaults.clear();
    }

    /**
     * Sends every response body (hub and CDN) at most at {@code bytesPerSecond} per connection, as CDNs cap each
     * connection; {@code Long.MAX_VALUE} for no cap.
     */
    public FakeHub capEachConnection(long bytesPerSecond) {
        this.connectionRate = bytesPerSecond;
        return this;
    }

    /**
     * Lists trees in pages of {@code entries}, each page naming the next in a {@code Link} header as the hub does
     * for large repositories ({@code ?cursor=...}).
     */
    public FakeHub paginateTree(int entries) {
        this.treePageSize = entries;
        return this;
    }

    /** Tree listing requests (pages) the hub answered for a repository. */
    public long listingRequests(String repo) {
        return count(listingRequests, repo);
    }

    /** Resolve requests (GET and HEAD) the hub answered for a file. */
    public long requests(String repo, String path) {
        return count(hubRequests, key(repo, path));
    }

    /** Requests the CDN answered for an LFS file. */
    public long cdnRequests(String repo, String path) {
        return count(cdnRequests, key(repo, path));
    }

    /** Body bytes sent for a file, by the hub and the CDN together. */
    public long bodyBytesServed(String repo, String path) {
        return count(bodyBytes, key(repo, path));
    }

    /** File bodies (hub and CDN) being sent right now; a client that left is noticed at the server's next write. */
    public int transfersInFlight() {
        return bodiesInFlight.get();
    }

    /** The most file bodies (hub and CDN) that were being sent at the same time since the last reset. */
    public int peakConcurrentTransfers() {
        return peakBodiesInFlight.get();
    }

    /** Requests that reached the CDN with an {@code Authorization} header; a token must never go there. */
    public int authorizationHeadersSeenByCdn() {
        return cdnAuthorizations.get();
    }

    public List<LoggedRequest> requestLog() {
        return List.copyOf(log);
    }

    /** Forgets the counters and the request log. */
    public void resetCounters() {
        hubRequests.clear();
        cdnRequests.clear();
        listingRequests.clear();
        bodyBytes.clear();
        cdnAuthorizations.set(0);
        peakBodiesInFlight.set(0);
        log.clear();
    }

    private static long count(Map<String, AtomicLong> counters, String key) {
        AtomicLong counter = counters.get(key);
        return counter == null ? 0 : counter.get();
    }

    private static String key(String repo, String path) {
        return repo + "::" + path;
    }

    private void handleHub(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = URLDecoder.decode(exchange.getRequestURI().getRawPath(), StandardCharsets.UTF_8);
            Matcher m;
            if ((m = RESOLVE.matcher(path)).matches()) {
                resolve(exchange, m.group(1), m.group(2), m.group(3));
            } else if ((m = TREE.matcher(path)).matches()) {
                tree(exchange, m.group(1), m.group(2), m.group(3));
            } else if ((m = INFO.matcher(path)).matches()) {
                info(exchange, m.group(1));
            } else {
                error(exchange, "hub", 404, null, "Not Found");
            }
        }
    }

    private Optional<FakeRepo> authorized(HttpExchange exchange, String server, String repoId) throws IOException {
        FakeRepo repo = repos.get(repoId);
        if (repo == null) {
            error(exchange, server, 404, "RepoNotFound", "Repository not found");
            return Optional.empty();
        }
        Optional<String> required = repo.requiredToken();
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        if (required.isPresent() && !("Bearer " + required.get()).equals(authorization)) {
            error(exchange, server, 401, "RepoNotFound", "Invalid username or password.");
            return Optional.empty();
        }
        if (repo.isGated()) {
            error(exchange, server, 403, "GatedRepo", "Access to model " + repoId + " is restricted.");
            return Optional.empty();
        }
        return Optional.of(repo);
    }

    private void resolve(HttpExchange exchange, String repoId, String revision, String file) throws IOException {
        hubRequests.computeIfAbsent(key(repoId, file), k -> new AtomicLong()).incrementAndGet();
        Optional<FakeRepo> found = authorized(exchange, "hub", repoId);
        if (found.isEmpty()) {
            return;
        }
        FakeRepo repo = found.get();
        if (!repo.hasRevision(revision)) {
            error(exchange, "hub", 404, "RevisionNotFound", "Invalid rev id: " + revision);
            return;
        }
        Optional<FakeRepo.Entry> entry = repo.entry(file);
        if (entry.isEmpty()) {
            error(exchange, "hub", 404, "EntryNotFound", file + " does not exist on \"" + revision + "\"");
            return;
        }
        var headers = exchange.getResponseHeaders();
        headers.set("X-Repo-Commit", repo.commit());
        Content content = entry.get().content();
        if (entry.get().lfs()) {
            headers.set("X-Linked-Etag", "\"" + content.sha256() + "\"");
            headers.set("X-Linked-Size", Long.toString(content.size()));
            headers.set("ETag", "\"" + content.sha256() + "\"");
            headers.set("Location", cdnEndpoint() + "/lfs/" + repoId + "/" + content.sha256() + "/" + file);
            respond(exchange, "hub", 302, -1);
            return;
        }
        headers.set("ETag", "\"" + content.gitSha1() + "\"");
        serve(exchange, "hub", repoId, file, content);
    }

    private void handleCdn(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (exchange.getRequestHeaders().containsKey("Authorization")) {
                cdnAuthorizations.incrementAndGet();
            }
            String path = URLDecoder.decode(exchange.getRequestURI().getRawPath(), StandardCharsets.UTF_8);
            Matcher m = LFS.matcher(path);
            if (!m.matches()) {
                error(exchange, "cdn", 404, null, "Not Found");
                return;
            }
            String repoId = m.group(1);
            String file = m.group(3);
            cdnRequests.computeIfAbsent(key(repoId, file), k -> new AtomicLong()).incrementAndGet();
            FakeRepo repo = repos.get(repoId);
            Optional<FakeRepo.Entry> entry = repo == null ? Optional.empty() : repo.entry(file)
                    .filter(e -> e.content().sha256().equals(m.group(2)));
            if (entry.isEmpty()) {
                error(exchange, "cdn", 404, null, "NoSuchKey");
                return;
            }
            exchange.getResponseHeaders().set("ETag", "\"" + entry.get().content().sha256() + "\"");
            serve(exchange, "cdn", repoId, file, entry.get().content());
        }
    }

    /** Sends a file's content, honouring Range and applying the file's faults. */
    private void serve(HttpExchange exchange, String server, String repoId, String file, Content content)
            throws IOException {
        List<Fault> active = faults.getOrDefault(key(repoId, file), List.of());
        boolean head = exchange.getRequestMethod().equals("HEAD");
        if (!head) {
            for (Fault fault : active) {
                if (fault instanceof Fault.ServerError e && e.remaining().getAndDecrement() > 0) {
                    error(exchange, server, e.status(), null, "Service Unavailable");
                    return;
                }
            }
        }
        long size = content.size();
        long start = 0;
        long end = size - 1;
        int status = 200;
        String range = exchange.getRequestHeaders().getFirst("Range");
        boolean ignoreRange = !head && active.stream().anyMatch(f -> f instanceof Fault.IgnoreRange);
        if (range != null && !ignoreRange) {
            Matcher m = RANGE.matcher(range.strip());
            if (m.matches()) {
                start = Long.parseLong(m.group(1));
                if (!m.group(2).isEmpty()) {
                    end = Math.min(end, Long.parseLong(m.group(2)));
                }
                if (start >= size) {
                    exchange.getResponseHeaders().set("Content-Range", "bytes */" + size);
                    respond(exchange, server, 416, -1);
                    return;
                }
                status = 206;
                exchange.getResponseHeaders().set("Content-Range", "bytes " + start + "-" + end + "/" + size);
            }
        }
        long length = end - start + 1;
        exchange.getResponseHeaders().set("Accept-Ranges", "bytes");
        exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
        if (head) {
            exchange.getResponseHeaders().set("Content-Length", Long.toString(length));
            respond(exchange, server, status, -1);
            return;
        }
        respond(exchange, server, status, length);
        peakBodiesInFlight.accumulateAndGet(bodiesInFlight.incrementAndGet(), Math::max);
        try {
            new BodyWriter(active, bodyBytes.computeIfAbsent(key(repoId, file), k -> new AtomicLong()),
                    connectionRate).write(content, start, length, exchange.getResponseBody());
        } finally {
            bodiesInFlight.decrementAndGet();
        }
    }

    private void tree(HttpExchange exchange, String repoId, String revision, String under) throws IOException {
        listingRequests.computeIfAbsent(repoId, k -> new AtomicLong()).incrementAndGet();
        Optional<FakeRepo> found = authorized(exchange, "hub", repoId);
        if (found.isEmpty()) {
            return;
        }
        if (!found.get().hasRevision(revision)) {
            error(exchange, "hub", 404, "RevisionNotFound", "Invalid rev id: " + revision);
            return;
        }
        List<Fault> active = listingFaults.getOrDefault(repoId, List.of());
        for (Fault fault : active) {
            if (fault instanceof Fault.ServerError e && e.remaining().getAndDecrement() > 0) {
                error(exchange, "hub", e.status(), null, "Service Unavailable");
                return;
            }
        }
        String query = Optional.ofNullable(exchange.getRequestURI().getRawQuery()).orElse("");
        boolean recursive = query.contains("recursive=true");
        Matcher cursorMatch = Pattern.compile("(?:^|&)cursor=(\\d+)").matcher(query);
        int cursor = cursorMatch.find() ? Integer.parseInt(cursorMatch.group(1)) : 0;
        List<String> entries = treeEntries(found.get(), under, recursive);
        int end = (int) Math.min(entries.size(), (long) cursor + treePageSize);
        if (end < entries.size()) {
            String next = "/api/models/" + repoId + "/tree/" + revision + (under == null ? "" : "/" + under)
                    + "?" + (recursive ? "recursive=true&" : "") + "cursor=" + end;
            exchange.getResponseHeaders().set("Link", "<" + endpoint() + next + ">; rel=\"next\"");
        }
        String json = "[" + String.join(",", entries.subList(Math.min(cursor, end), end)) + "]";
        Optional<Fault.StallAfter> stall = active.stream().filter(Fault.StallAfter.class::isInstance)
                .map(Fault.StallAfter.class::cast).findFirst();
        if (stall.isPresent()) {
            // Headers, the first bytes, then nothing: what a stuck proxy or an overloaded hub does.
            byte[] body = json.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            respond(exchange, "hub", 200, body.length);
            OutputStream out = exchange.getResponseBody();
            out.write(body, 0, (int) Math.min(body.length, stall.get().bytes()));
            out.flush();
            BodyWriter.sleep(stall.get().pause().toMillis());
            return;
        }
        json(exchange, json);
    }

    private static List<String> treeEntries(FakeRepo repo, String under, boolean recursive) {
        String prefix = under == null || under.isEmpty() ? "" : under.endsWith("/") ? under : under + "/";
        List<String> entries = new java.util.ArrayList<>();
        java.util.Set<String> folders = new java.util.TreeSet<>();
        for (FakeRepo.Entry entry : repo.files().values()) {
            if (!entry.path().startsWith(prefix)) {
                continue;
            }
            String rest = entry.path().substring(prefix.length());
            int slash = rest.indexOf('/');
            if (slash >= 0) {
                String folder = prefix + rest.substring(0, slash);
                if (folders.add(folder)) {
                    entries.add("{\"type\":\"directory\",\"oid\":\""
                            + Content.of(folder.getBytes(StandardCharsets.UTF_8)).gitSha1()
                            + "\",\"size\":0,\"path\":\"" + escape(folder) + "\"}");
                }
                if (!recursive) {
                    continue;
                }
            }
            Content content = entry.content();
            StringBuilder json = new StringBuilder("{\"type\":\"file\",\"oid\":\"").append(content.gitSha1())
                    .append("\",\"size\":").append(content.size()).append(",\"path\":\"").append(escape(entry.path()))
                    .append('"');
            if (entry.lfs()) {
                json.append(",\"lfs\":{\"oid\":\"").append(content.sha256()).append("\",\"size\":")
                        .append(content.size()).append(",\"pointerSize\":134}");
            }
            entries.add(json.append('}').toString());
        }
        return entries;
    }

    private void info(HttpExchange exchange, String repoId) throws IOException {
        Optional<FakeRepo> found = authorized(exchange, "hub", repoId);
        if (found.isEmpty()) {
            return;
        }
        StringBuilder json = new StringBuilder("{\"id\":\"").append(escape(repoId)).append("\",\"modelId\":\"")
                .append(escape(repoId)).append("\",\"sha\":\"").append(found.get().commit())
                .append("\",\"private\":").append(found.get().requiredToken().isPresent())
                .append(",\"siblings\":[");
        boolean first = true;
        for (String path : found.get().files().keySet()) {
            json.append(first ? "" : ",").append("{\"rfilename\":\"").append(escape(path)).append("\"}");
            first = false;
        }
        json.append("]}");
        json(exchange, json.toString());
    }

    private static String escape(String text) {
        return text.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    private void json(HttpExchange exchange, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        respond(exchange, "hub", 200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private void error(HttpExchange exchange, String server, int status, String code, String message)
            throws IOException {
        byte[] body = ("{\"error\":\"" + escape(message) + "\"}").getBytes(StandardCharsets.UTF_8);
        if (code != null) {
            exchange.getResponseHeaders().set("X-Error-Code", code);
        }
        exchange.getResponseHeaders().set("X-Error-Message", message);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        boolean head = exchange.getRequestMethod().equals("HEAD");
        respond(exchange, server, status, head ? -1 : body.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private void respond(HttpExchange exchange, String server, int status, long length) throws IOException {
        log.add(new LoggedRequest(server, exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                exchange.getRequestHeaders().getFirst("Range"),
                exchange.getRequestHeaders().containsKey("Authorization"), status));
        exchange.sendResponseHeaders(status, length == 0 ? -1 : length);
    }

    @Override
    public void close() {
        hub.stop(0);
        cdn.stop(0);
        threads.shutdownNow();
    }

    /** Writes a body in large chunks, applying the faults on the way. */
    private record BodyWriter(List<Fault> faults, AtomicLong served, long connectionRate) {

        void write(Content content, long start, long length, OutputStream out) throws IOException {
            long dropAt = Long.MAX_VALUE;
            for (Fault fault : faults) {
                if (fault instanceof Fault.DropAfter d && d.remaining().getAndDecrement() > 0) {
                    dropAt = Math.min(dropAt, d.bytes());
                }
            }
            Fault.StallAfter stall = faults.stream().filter(Fault.StallAfter.class::isInstance)
                    .map(Fault.StallAfter.class::cast).findFirst().orElse(null);
            long rate = Math.min(connectionRate, faults.stream().filter(Fault.Throttle.class::isInstance)
                    .map(Fault.Throttle.class::cast).mapToLong(Fault.Throttle::bytesPerSecond).min()
                    .orElse(Long.MAX_VALUE));
            boolean corrupt = faults.stream().anyMatch(Fault.WrongBytes.class::isInstance);
            long began = System.nanoTime();
            byte[] buffer = new byte[1 << 20];
            long sent = 0;
            try (InputStream in = content.open(start)) {
                while (sent < length) {
                    long limit = Math.min(length - sent, buffer.length);
                    if (sent < dropAt) {
                        limit = Math.min(limit, dropAt - sent);
                    }
                    if (stall != null && sent < stall.bytes()) {
                        limit = Math.min(limit, stall.bytes() - sent);
                    }
                    if (rate != Long.MAX_VALUE) {
                        limit = Math.min(limit, Math.max(1, rate / 10));
                    }
                    int n = in.read(buffer, 0, (int) limit);
                    if (n < 0) {
                        break;
                    }
                    if (corrupt) {
                        for (int i = 0; i < n; i++) {
                            buffer[i] = (byte) ~buffer[i];
                        }
                    }
                    // Counted before the write returns: a client may have read these bytes and asserted on the
                    // counter before this thread runs again.
                    served.addAndGet(n);
                    out.write(buffer, 0, n);
                    sent += n;
                    if (sent == dropAt) {
                        out.flush();
                        throw new IOException("fault: connection dropped after " + sent + " bytes");
                    }
                    if (stall != null && sent == stall.bytes()) {
                        out.flush();
                        sleep(stall.pause().toMillis());
                        throw new IOException("fault: stalled after " + sent + " bytes");
                    }
                    if (rate != Long.MAX_VALUE) {
                        long due = began + sent * 1_000_000_000L / rate;
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            sleep(wait / 1_000_000);
                        }
                    }
                }
            }
            out.close();
        }

        static void sleep(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
