package dev.llmlb.source.hf;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The hub's URLs, encoded as {@code huggingface_hub} encodes them: each path segment percent-encoded as UTF-8
 * with only RFC 3986 unreserved characters left as they are, and the revision encoded as one segment (so
 * {@code refs/pr/1} becomes {@code refs%2Fpr%2F1}).
 */
public final class HubUris {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private HubUris() {
    }

    /** {@code {endpoint}/{repo_id}/resolve/{revision}/{path}}: where a file's bytes come from. */
    public static URI resolve(URI endpoint, RepoId repo, String revision, String path) {
        Objects.requireNonNull(path, "path");
        StringBuilder uri = new StringBuilder(base(endpoint))
                .append('/').append(encodeSegment(repo.owner()))
                .append('/').append(encodeSegment(repo.name()))
                .append("/resolve/").append(encodeSegment(revision))
                .append('/').append(encodePath(path));
        return URI.create(uri.toString());
    }

    /** {@code {endpoint}/api/models/{repo_id}/tree/{revision}?recursive=true}: every file of a revision. */
    public static URI tree(URI endpoint, RepoId repo, String revision) {
        return URI.create(base(endpoint) + "/api/models/" + encodeSegment(repo.owner()) + '/'
                + encodeSegment(repo.name()) + "/tree/" + encodeSegment(revision) + "?recursive=true");
    }

    /** Percent-encodes each {@code /}-separated segment of {@code path}, keeping the slashes. */
    public static String encodePath(String path) {
        StringBuilder out = new StringBuilder();
        String[] segments = path.split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            if (i > 0) {
                out.append('/');
            }
            out.append(encodeSegment(segments[i]));
        }
        return out.toString();
    }

    /** Percent-encodes everything but {@code A-Z a-z 0-9 - . _ ~}, slashes included. */
    public static String encodeSegment(String segment) {
        StringBuilder out = new StringBuilder(segment.length());
        for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            if (c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xF]);
            }
        }
        return out.toString();
    }

    /** The endpoint without a trailing slash; a mirror may sit under a path prefix, which is kept. */
    private static String base(URI endpoint) {
        String base = Objects.requireNonNull(endpoint, "endpoint").toString();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return base;
    }
}
