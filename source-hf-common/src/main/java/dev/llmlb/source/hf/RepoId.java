package dev.llmlb.source.hf;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A HuggingFace repository id, {@code owner/name}, checked by the hub's own rules: each part 1 to 96 characters of
 * {@code [A-Za-z0-9._-]}, starting and ending with a letter, digit or {@code _}, without {@code --} or {@code ..},
 * and the name not ending in {@code .git}.
 */
public record RepoId(String owner, String name) {

    /** The hub's longest owner or repository name. */
    public static final int MAX_PART_LENGTH = 96;

    private static final Pattern ALLOWED = Pattern.compile("[A-Za-z0-9._-]+");
    private static final Pattern WORD_CHAR = Pattern.compile("[A-Za-z0-9_]");

    public RepoId {
        List<String> problems = new ArrayList<>();
        checkPart("owner", Objects.requireNonNull(owner, "owner"), problems);
        checkPart("name", Objects.requireNonNull(name, "name"), problems);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
    }

    /**
     * Parses {@code owner/name}.
     *
     * @throws IllegalArgumentException with every problem of {@code text}, as {@link #problems} lists them
     */
    public static RepoId parse(String text) {
        List<String> problems = problems(text);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        int slash = text.indexOf('/');
        return new RepoId(text.substring(0, slash), text.substring(slash + 1));
    }

    /** Every reason {@code text} is not a repository id, e.g. {@code "must be owner/name, got 'llama'"}. */
    public static List<String> problems(String text) {
        if (text == null || text.isEmpty()) {
            return List.of("must be owner/name, got nothing");
        }
        String[] parts = text.split("/", -1);
        if (parts.length != 2) {
            return List.of("must be owner/name, got '" + printable(text) + "'");
        }
        List<String> problems = new ArrayList<>();
        checkPart("owner", parts[0], problems);
        checkPart("name", parts[1], problems);
        return List.copyOf(problems);
    }

    private static void checkPart(String what, String part, List<String> problems) {
        if (part.isEmpty()) {
            problems.add("the " + what + " part is empty");
            return;
        }
        String shown = printable(part);
        if (part.length() > MAX_PART_LENGTH) {
            problems.add("the " + what + " '" + shown + "' is longer than " + MAX_PART_LENGTH + " characters");
        }
        if (!ALLOWED.matcher(part).matches()) {
            problems.add("the " + what + " '" + shown + "' may contain only letters, digits, '.', '_' and '-'");
            return;
        }
        if (part.contains("..") || part.contains("--")) {
            problems.add("the " + what + " '" + shown + "' must not contain '..' or '--'");
        }
        if (!WORD_CHAR.matcher(part.substring(0, 1)).matches()
                || !WORD_CHAR.matcher(part.substring(part.length() - 1)).matches()) {
            problems.add("the " + what + " '" + shown + "' must start and end with a letter, digit or '_'");
        }
        if (what.equals("name") && part.endsWith(".git")) {
            problems.add("the name '" + shown + "' must not end with '.git'");
        }
    }

    /** Keeps a hostile or binary value from garbling a message. */
    static String printable(String text) {
        StringBuilder out = new StringBuilder();
        text.codePoints().limit(200).forEach(c -> {
            if (Character.isISOControl(c)) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return text.codePointCount(0, text.length()) > 200 ? out + "..." : out.toString();
    }

    @Override
    public String toString() {
        return owner + "/" + name;
    }
}
