package dev.llmlb.api.source;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The one rule for names that become files on the node: a path inside a model's folder (an artifact of
 * {@code supported_models.json}, a {@link RemoteFile} a source plans, an entry of a hub's listing) and a model id,
 * which names a folder under the models folder. {@link RemoteFile} and {@link dev.llmlb.api.ArtifactSpec} refuse
 * what this class refuses, so no name from a catalog, a source or a hub can leave its folder or overwrite what the
 * node keeps beside the model files.
 *
 * <p>A safe path is relative, {@code /}-separated, at most {@value #MAX_LENGTH} characters, each segment at most
 * {@value #MAX_SEGMENT_BYTES} bytes in UTF-8; it has no empty, {@code .} or {@code ..} segment, no backslash, no
 * control character, no drive prefix ({@code C:}), and is none of the node's own names: {@value #MANIFEST} at the
 * top of the folder, or anything under {@value #PARTIAL_FOLDER}{@code /}.
 */
public final class SafePath {

    /** The longest path accepted: no real repository file comes near it. */
    public static final int MAX_LENGTH = 1024;
    /** The longest segment accepted, in UTF-8 bytes: what common file systems allow for one name. */
    public static final int MAX_SEGMENT_BYTES = 255;
    /** The node's record of a complete model, written last at the top of its folder. */
    public static final String MANIFEST = "manifest.json";
    /** The folder inside a model's folder where the node keeps unfinished downloads. */
    public static final String PARTIAL_FOLDER = ".partial";
    /** The folder of cross-process locks beside the model folders; no model may be named so. */
    public static final String LOCKS_FOLDER = ".locks";

    private static final Pattern MODEL_ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    private SafePath() {
    }

    /** Why {@code path} is not a safe path inside a model's folder, or empty when it is. */
    public static Optional<String> problem(String path) {
        if (path == null || path.isEmpty()) {
            return Optional.of("is empty");
        }
        if (path.length() > MAX_LENGTH) {
            return Optional.of("is longer than " + MAX_LENGTH + " characters");
        }
        if (path.chars().anyMatch(Character::isISOControl)) {
            return Optional.of("contains a control character");
        }
        if (path.startsWith("/")) {
            return Optional.of("is absolute");
        }
        if (path.indexOf('\\') >= 0) {
            return Optional.of("contains a backslash");
        }
        if (path.length() >= 2 && path.charAt(1) == ':' && Character.isLetter(path.charAt(0))) {
            return Optional.of("starts with a drive letter");
        }
        String[] segments = path.split("/", -1);
        for (String segment : segments) {
            if (segment.isEmpty()) {
                return Optional.of("has an empty segment");
            }
            if (segment.equals("..")) {
                return Optional.of("climbs out of its folder with '..'");
            }
            if (segment.equals(".")) {
                return Optional.of("has a '.' segment");
            }
            if (segment.getBytes(StandardCharsets.UTF_8).length > MAX_SEGMENT_BYTES) {
                return Optional.of("has a name longer than " + MAX_SEGMENT_BYTES + " bytes");
            }
        }
        if (segments.length == 1 && segments[0].equals(MANIFEST)) {
            return Optional.of("is the node's own " + MANIFEST);
        }
        if (segments[0].equals(PARTIAL_FOLDER)) {
            return Optional.of("is under the node's own " + PARTIAL_FOLDER + "/ folder");
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
     * @throws IllegalArgumentException naming the path and what is wrong with it
     */
    public static String require(String path) {
        Optional<String> problem = problem(path);
        if (problem.isPresent()) {
            throw new IllegalArgumentException("unsafe path '" + printable(path) + "': it " + problem.get());
        }
        return path;
    }

    /**
     * Returns {@code path} when it is safe, for a source reading names from a remote document.
     *
     * @param origin where the path came from, e.g. {@code "the file listing of repository owner/name"}
     * @throws PlanningException naming the path, its origin and what is wrong with it
     */
    public static String requireFrom(String path, String origin) {
        Optional<String> problem = problem(path);
        if (problem.isPresent()) {
            throw new PlanningException("Refusing the unsafe path '" + printable(path) + "' from " + origin + ": it "
                    + problem.get() + ".");
        }
        return path;
    }

    /**
     * Why {@code id} cannot name a model, or empty when it can: {@code [A-Za-z0-9._-]{1,128}}, not {@code .},
     * {@code ..} or {@value #LOCKS_FOLDER}.
     */
    public static Optional<String> modelIdProblem(String id) {
        if (id == null || !MODEL_ID.matcher(id).matches()) {
            return Optional.of("must match [A-Za-z0-9._-]{1,128}");
        }
        if (id.equals(".") || id.equals("..")) {
            return Optional.of("must not be '.' or '..'");
        }
        if (id.equals(LOCKS_FOLDER)) {
            return Optional.of("is the node's own " + LOCKS_FOLDER + " folder");
        }
        return Optional.empty();
    }

    /** {@code text} with control characters escaped and cut to 200 characters, for messages. */
    public static String printable(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length() && out.length() < 200; i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c)) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return text.length() > 200 ? out + "..." : out.toString();
    }
}
