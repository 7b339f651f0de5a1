package dev.llmlb.api.evolution;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The rule for changing the api (docs/plugins.md, "How the api evolves"), between a recorded surface and the
 * current one. A plugin built against {@code M.n} runs on any node with {@code M.m}, {@code m >= n}; so:
 * <ul>
 *   <li>removing or changing anything (a method's signature, a record's components, what a sealed type permits,
 *       a constant's value) takes a new major version;</li>
 *   <li>a new abstract method in an existing type takes a new major version too, since plugins implement the
 *       api's interfaces (add a default method instead); so does a new constant in an existing enum, since a
 *       plugin's exhaustive {@code switch} over it fails on a value it was not compiled with (a sealed type's new
 *       subtype is already a change of the type's line);</li>
 *   <li>adding anything else (types, default or static methods, constructors, constants) takes a new minor
 *       version;</li>
 *   <li>a surface is recorded for one version, so whenever the version changes the baseline is recorded again.</li>
 * </ul>
 */
final class ApiEvolution {

    private static final Pattern VERSION = Pattern.compile("(\\d+)\\.(\\d+)\\.(\\d+)(?:[-+].*)?");

    private ApiEvolution() {
    }

    /** A version's major, minor and patch numbers. */
    record Version(int major, int minor, int patch) implements Comparable<Version> {

        static Version parse(String text) {
            Matcher m = VERSION.matcher(text);
            if (!m.matches()) {
                throw new IllegalArgumentException("not a MAJOR.MINOR.PATCH version: " + text);
            }
            return new Version(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                    Integer.parseInt(m.group(3)));
        }

        @Override
        public int compareTo(Version o) {
            return major != o.major ? Integer.compare(major, o.major)
                    : minor != o.minor ? Integer.compare(minor, o.minor) : Integer.compare(patch, o.patch);
        }

        @Override
        public String toString() {
            return major + "." + minor + "." + patch;
        }
    }

    /**
     * What is wrong with going from {@code recorded} (the surface of {@code recordedVersion}) to {@code current}
     * under {@code currentVersion}; empty when the step is allowed. Does not ask for the baseline to be recorded
     * again; {@link #needsRecording} does.
     */
    static List<String> problems(Set<String> recorded, Version recordedVersion, Set<String> current,
                                 Version currentVersion) {
        List<String> problems = new ArrayList<>();
        if (currentVersion.compareTo(recordedVersion) < 0) {
            problems.add("the api's version " + currentVersion + " is older than the recorded " + recordedVersion);
            return problems;
        }
        Set<String> removed = new TreeSet<>(recorded);
        removed.removeAll(current);
        Set<String> added = new TreeSet<>(current);
        added.removeAll(recorded);
        Set<String> recordedTypes = recorded.stream().map(ApiEvolution::typeOf).collect(Collectors.toSet());
        Set<String> newAbstract = added.stream().filter(line -> kindOf(line).equals(ApiSurface.METHOD)
                        && declarationOf(line).matches("(\\S+ )*abstract .*") && recordedTypes.contains(typeOf(line)))
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> newConstants = added.stream().filter(line -> kindOf(line).equals(ApiSurface.ENUM_CONSTANT)
                        && recordedTypes.contains(typeOf(line)))
                .collect(Collectors.toCollection(TreeSet::new));
        boolean newMajor = currentVersion.major() > recordedVersion.major();
        if (!newMajor && !removed.isEmpty()) {
            problems.add("removed or changed without a new major version (" + recordedVersion + " -> "
                    + currentVersion + "); a plugin built for " + recordedVersion + " may use them:"
                    + list(removed));
        }
        if (!newMajor && !newAbstract.isEmpty()) {
            problems.add("abstract methods added to existing types without a new major version; plugins that "
                    + "implement these types lack them (add default methods instead):" + list(newAbstract));
        }
        if (!newMajor && !newConstants.isEmpty()) {
            problems.add("constants added to existing enums without a new major version; a plugin's exhaustive "
                    + "switch over the enum fails on them:" + list(newConstants));
        }
        boolean newMinor = newMajor || currentVersion.minor() > recordedVersion.minor();
        if (!newMinor && !added.isEmpty()) {
            problems.add("added without a new minor version (" + recordedVersion + " -> " + currentVersion
                    + "); a plugin built against them would load on a node of " + recordedVersion
                    + " that lacks them:" + list(added));
        }
        return problems;
    }

    /** Whether the baseline must be recorded again: it is for another version than the api's. */
    static boolean needsRecording(Version recordedVersion, Version currentVersion) {
        return !recordedVersion.equals(currentVersion);
    }

    private static String list(Set<String> lines) {
        return lines.stream().map(l -> "\n  " + l).collect(Collectors.joining());
    }

    static String typeOf(String line) {
        return line.substring(0, line.indexOf(" | "));
    }

    static String kindOf(String line) {
        int first = line.indexOf(" | ") + 3;
        return line.substring(first, line.indexOf(" | ", first));
    }

    static String declarationOf(String line) {
        int first = line.indexOf(" | ") + 3;
        return line.substring(line.indexOf(" | ", first) + 3);
    }
}
