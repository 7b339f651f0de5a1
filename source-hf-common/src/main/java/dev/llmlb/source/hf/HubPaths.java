package dev.llmlb.source.hf;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/** URLs of the HuggingFace hub protocol, and the checks that keep paths from escaping a model's folder. */
public final class HubPaths {

    private static final Pattern REPO_PART = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,95}");

    private HubPaths() {
    }

    /** {@code {endpoint}/{repo}/resolve/{revision}/{path}}, each path segment percent-encoded. */
    public static URI resolve(URI endpoint, String repoId, String revision, String path) {
        StringBuilder url = new StringBuilder(endpoint.toString()).append('/').append(repoId)
                .append("/resolve/").append(encode(revision));
        for (String segment : path.split("/")) {
            url.append('/').append(encode(segment));
        }
        return URI.create(url.toString());
    }

    /** {@code {endpoint}/api/models/{repo}/tree/{revision}?recursive=true}. */
    public static URI tree(URI endpoint, String repoId, String revision) {
        return URI.create(endpoint + "/api/models/" + repoId + "/tree/" + encode(revision) + "?recursive=true");
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Why {@code repoId} is not an {@code owner/name} the hub accepts, or {@code null}. */
    public static String repoIdProblem(String repoId) {
        if (repoId == null || repoId.isBlank()) {
            return "repo_id: is required, e.g. \"bartowski/Llama-3.2-1B-Instruct-GGUF\"";
        }
        String[] parts = repoId.split("/", -1);
        if (parts.length != 2 || !REPO_PART.matcher(parts[0]).matches() || !REPO_PART.matcher(parts[1]).matches()
                || repoId.contains("..") || parts[1].endsWith(".git")) {
            return "repo_id: must be owner/name with letters, digits, '.', '_' or '-', got \"" + repoId + "\"";
        }
        return null;
    }

    /**
     * Whether {@code path} may be used as a file inside a model's folder: relative, {@code /}-separated, no empty,
     * {@code .} or {@code ..} segment. Names from a tree listing or an index are checked with it, so a malicious
     * repository cannot plan a file outside the folder.
     */
    public static boolean isSafeRelativePath(String path) {
        if (path == null || path.isEmpty() || path.startsWith("/") || path.contains("\\") || path.indexOf('\0') >= 0
                || path.length() > 1024) {
            return false;
        }
        for (String segment : path.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..") || segment.contains(":")) {
                return false;
            }
        }
        return true;
    }
}
