package dev.llmlb.api.source;

import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A file to fetch.
 *
 * <p><b>Schemes.</b> {@code uri} is an absolute {@code http} or {@code https} URI with a host ({@link #SCHEMES});
 * anything else is refused here. The node follows redirects itself (at most five), resumes with {@code Range}, and
 * opens several ranged connections for large files when the server honours ranges.
 *
 * <p><b>Headers.</b> {@code headers} go with every request for this file to {@code uri}'s origin (scheme, host and
 * port), e.g. {@code Authorization} for a private mirror. They are credentials for the source's own server: the node
 * drops them when a redirect leads to another origin (a CDN), never logs their values, and
 * {@link #toString()} shows only their names. Headers the node owns for the transfer ({@link #RESERVED_HEADERS},
 * such as {@code Range} and {@code Host}) are refused.
 *
 * @param path      where it goes, relative to the model's folder; must pass {@link SafePath}
 * @param uri       where it comes from
 * @param sizeBytes the expected size, or {@link #UNKNOWN_SIZE} to take it from the server
 * @param sha256    the expected SHA-256 (64 hex digits) when known; otherwise the node uses the hub's
 *                  {@code X-Linked-Etag} when that is a SHA-256
 * @param headers   request headers for {@code uri}'s origin only; empty for none
 */
public record RemoteFile(String path, URI uri, long sizeBytes, Optional<String> sha256, Map<String, String> headers) {

    public static final long UNKNOWN_SIZE = -1;
    /** The URI schemes a file may come from. */
    public static final Set<String> SCHEMES = Set.of("http", "https");
    /** Header names the node sets itself, compared ignoring case; a source may not send them. */
    public static final Set<String> RESERVED_HEADERS = Set.of("host", "range", "if-range", "content-length",
            "connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "expect",
            "proxy-authorization", "proxy-connection");

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    public RemoteFile {
        SafePath.require(path);
        Objects.requireNonNull(uri, "uri");
        if (!uri.isAbsolute() || uri.getScheme() == null
                || !SCHEMES.contains(uri.getScheme().toLowerCase(Locale.ROOT)) || uri.getHost() == null) {
            throw new IllegalArgumentException("a remote file's URI must be an absolute http(s) URI with a host, got "
                    + withoutQuery(uri));
        }
        sha256 = sha256 == null ? Optional.empty() : sha256.map(s -> s.toLowerCase(Locale.ROOT));
        sha256.ifPresent(s -> {
            if (!SHA256.matcher(s).matches()) {
                throw new IllegalArgumentException("sha256 must be 64 hex digits, got '" + SafePath.printable(s) + "'");
            }
        });
        if (sizeBytes < 0 && sizeBytes != UNKNOWN_SIZE) {
            throw new IllegalArgumentException("size must be >= 0 or UNKNOWN_SIZE: " + sizeBytes);
        }
        headers = checkedHeaders(headers);
    }

    /** A file without request headers. */
    public RemoteFile(String path, URI uri, long sizeBytes, Optional<String> sha256) {
        this(path, uri, sizeBytes, sha256, Map.of());
    }

    /** This file with another expected size (the node fills in a size the source did not know). */
    public RemoteFile withSize(long size) {
        return new RemoteFile(path, uri, size, sha256, headers);
    }

    private static Map<String, String> checkedHeaders(Map<String, String> headers) {
        if (headers == null || headers.isEmpty()) {
            return Map.of();
        }
        Map<String, String> seen = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (Map.Entry<String, String> header : headers.entrySet()) {
            String name = Objects.requireNonNull(header.getKey(), "header name");
            String value = Objects.requireNonNull(header.getValue(), "value of header " + name);
            if (!TOKEN.matcher(name).matches()) {
                throw new IllegalArgumentException("invalid header name '" + SafePath.printable(name) + "'");
            }
            if (RESERVED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("header " + name + " is set by the node, not by a source");
            }
            if (value.chars().anyMatch(c -> c == '\r' || c == '\n' || c == 0)) {
                // Never echo the value: it is likely a credential.
                throw new IllegalArgumentException("the value of header " + name + " contains a line break or NUL");
            }
            if (seen.put(name, value) != null) {
                throw new IllegalArgumentException("header " + name + " is given twice");
            }
        }
        return Map.copyOf(headers);
    }

    private static String withoutQuery(URI uri) {
        String text = uri.toString();
        int query = text.indexOf('?');
        return SafePath.printable(query >= 0 ? text.substring(0, query) : text);
    }

    /** Shows header names only: their values are credentials. */
    @Override
    public String toString() {
        return "RemoteFile[path=" + path + ", uri=" + uri + ", sizeBytes=" + sizeBytes + ", sha256="
                + sha256.orElse("(unknown)") + ", headers=" + new java.util.TreeSet<>(headers.keySet()) + "]";
    }
}
