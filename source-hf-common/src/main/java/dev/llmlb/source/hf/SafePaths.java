package dev.llmlb.source.hf;

import dev.llmlb.api.source.PlanningException;

import java.util.Optional;

/**
 * Relative paths that stay inside a model's folder on every operating system. The host checks planned paths
 * again; checking here as well lets a source fail with a message that names where the bad path came from.
 */
public final class SafePaths {

    /** Longer paths than this are refused: no real repository file comes near it, and file systems balk. */
    public static final int MAX_LENGTH = 1024;

    private SafePaths() {
    }

    /**
     * Why {@code path} is not a safe relative path, or empty when it is: relative, {@code /}-separated, without
     * empty, {@code .} or {@code ..} segments, backslashes, control characters or a drive letter.
     */
    public static Optional<String> problem(String path) {
        if (path == null || path.isEmpty()) {
            return Optional.of("is empty");
        }
        if (path.length() > MAX_LENGTH) {
            return Optional.of("is longer than " + MAX_LENGTH + " characters");
        }
        if (path.startsWith("/")) {
            return Optional.of("is absolute");
        }
        if (path.indexOf('\\') >= 0) {
            return Optional.of("contains a backslash");
        }
        if (path.chars().anyMatch(Character::isISOControl)) {
            return Optional.of("contains a control character");
        }
        if (path.length() >= 2 && path.charAt(1) == ':' && Character.isLetter(path.charAt(0))) {
            return Optional.of("starts with a drive letter");
        }
        for (String segment : path.split("/", -1)) {
            if (segment.isEmpty()) {
                return Optional.of("has an empty segment");
            }
            if (segment.equals("..")) {
                return Optional.of("climbs out of its folder with '..'");
            }
            if (segment.equals(".")) {
                return Optional.of("has a '.' segment");
            }
        }
        return Optional.empty();
    }

    /** Whether {@code path} is safe; see {@link #problem}. */
    public static boolean isSafe(String path) {
        return problem(path).isEmpty();
    }

    /**
     * Returns {@code path} when it is safe.
     *
     * @param origin where the path came from, e.g. {@code "the file listing of repository owner/name"}
     * @throws PlanningException naming the path, its origin and what is wrong with it
     */
    public static String requireSafe(String path, String origin) {
        Optional<String> problem = problem(path);
        if (problem.isPresent()) {
            throw new PlanningException("Refusing the unsafe path '" + RepoId.printable(String.valueOf(path))
                    + "' from " + origin + ": it " + problem.get() + ".");
        }
        return path;
    }
}
