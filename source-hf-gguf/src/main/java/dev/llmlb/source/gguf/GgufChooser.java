package dev.llmlb.source.gguf;

import dev.llmlb.api.source.PlanningException;
import dev.llmlb.source.hf.RepoTree;
import dev.llmlb.source.hf.TreeEntry;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** Picks the GGUF model of a repository when the entry lists no artifacts; the rule is in the package doc. */
final class GgufChooser {

    /** Quantizations in the order they are preferred. */
    static final List<String> PREFERENCE = List.of(
            "Q4_K_M", "Q4_K_S", "Q5_K_M", "Q5_K_S", "Q4_0", "Q6_K", "Q8_0", "F16", "BF16", "F32");

    private static final List<Pattern> PREFERENCE_PATTERNS = PREFERENCE.stream()
            .map(q -> Pattern.compile("(?<![A-Za-z0-9])" + Pattern.quote(q) + "(?![A-Za-z0-9_])",
                    Pattern.CASE_INSENSITIVE))
            .toList();

    private GgufChooser() {
    }

    /**
     * One model the repository offers: a single file or a complete split set.
     *
     * @param paths        its files, the first part first
     * @param quantization the preferred quantization its name carries, if any
     * @param totalBytes   the size of all its files together
     */
    record Candidate(List<String> paths, Optional<String> quantization, long totalBytes) {

        String entry() {
            return paths.get(0);
        }

        int rank() {
            return quantization.map(PREFERENCE::indexOf).orElse(PREFERENCE.size());
        }
    }

    private static final Comparator<Candidate> BEST_FIRST = Comparator.comparingInt(Candidate::rank)
            .thenComparingLong(Candidate::totalBytes)
            .thenComparing(Candidate::entry);

    /**
     * The best candidate of {@code tree}.
     *
     * @param origin the repository, for messages
     * @throws PlanningException when the repository has no .gguf model, or only incomplete split sets
     */
    static Candidate choose(RepoTree tree, String origin) {
        List<Candidate> candidates = new ArrayList<>();
        Map<String, List<String>> incomplete = new LinkedHashMap<>();
        for (TreeEntry entry : tree.files()) {
            if (!isModelFile(entry)) {
                continue;
            }
            Optional<GgufSplit> split = GgufSplit.parse(entry.path());
            if (split.isEmpty()) {
                candidates.add(new Candidate(List.of(entry.path()), quantization(entry.fileName()),
                        Math.max(0, entry.sizeBytes())));
                continue;
            }
            GgufSplit set = split.get();
            String first = set.firstPart();
            if (candidates.stream().anyMatch(c -> c.entry().equals(first)) || incomplete.containsKey(first)) {
                continue;
            }
            List<String> missing = set.allParts().stream().filter(p -> !tree.contains(p)).toList();
            if (!missing.isEmpty()) {
                incomplete.put(first, missing);
                continue;
            }
            long total = set.allParts().stream()
                    .mapToLong(p -> Math.max(0, tree.file(p).orElseThrow().sizeBytes())).sum();
            String firstName = first.substring(first.lastIndexOf('/') + 1);
            candidates.add(new Candidate(set.allParts(), quantization(firstName), total));
        }
        if (!candidates.isEmpty()) {
            return candidates.stream().min(BEST_FIRST).orElseThrow();
        }
        if (!incomplete.isEmpty()) {
            List<String> sets = new ArrayList<>();
            incomplete.forEach((first, missing) -> sets.add(first + " lacks " + String.join(", ", missing)));
            throw new PlanningException(capitalize(origin) + " has no complete .gguf model: split set "
                    + String.join("; split set ", sets) + ".");
        }
        throw new PlanningException(capitalize(origin) + " has no .gguf model file. Use a GGUF repository, or list "
                + "the file under artifacts in supported_models.json.");
    }

    /** A {@code .gguf} file that is a language model; {@code mmproj} files are vision projectors. */
    static boolean isModelFile(TreeEntry entry) {
        String name = entry.fileName().toLowerCase(Locale.ROOT);
        return name.endsWith(".gguf") && !name.startsWith("mmproj");
    }

    /** The most preferred quantization {@code fileName} names. */
    static Optional<String> quantization(String fileName) {
        for (int i = 0; i < PREFERENCE.size(); i++) {
            if (PREFERENCE_PATTERNS.get(i).matcher(fileName).find()) {
                return Optional.of(PREFERENCE.get(i));
            }
        }
        return Optional.empty();
    }

    private static String capitalize(String text) {
        return text.isEmpty() ? text : Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }
}
