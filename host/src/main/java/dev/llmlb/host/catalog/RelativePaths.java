package dev.llmlb.host.catalog;

/**
 * Checks file names that become paths inside a model folder, so that no name from a catalog, a source or a hub
 * can escape it.
 */
public final class RelativePaths {

    private RelativePaths() {
    }

    /** Why {@code path} is not a safe relative path, or {@code null} when it is. */
    public static String problem(String path) {
        if (path == null || path.isEmpty()) {
            return "must not be empty";
        }
        if (path.startsWith("/") || path.contains("\\") || path.contains(":") && path.indexOf(':') == 1) {
            return "must be a relative path with '/' separators";
        }
        if (path.indexOf('\0') >= 0) {
            return "must not contain NUL";
        }
        for (String segment : path.split("/", -1)) {
            if (segment.isEmpty()) {
                return "must not contain empty segments";
            }
            if (segment.equals("..") || segment.equals(".")) {
                return "must not contain '.' or '..' segments";
            }
        }
        return null;
    }

    public static boolean isSafe(String path) {
        return problem(path) == null;
    }
}
