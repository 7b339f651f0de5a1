package dev.llmlb.source.gguf;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How GGUF repositories name their files: split sets ({@code name-00001-of-00003.gguf}, as llama.cpp's
 * {@code gguf-split} writes them) and quantization tags ({@code Q4_K_M}).
 */
final class GgufFiles {

    private static final Pattern SPLIT = Pattern.compile("(.*)-(\\d{5})-of-(\\d{5})\\.gguf");

    /**
     * Quantizations in the order a model is chosen when the operator lists no artifact: the usual default
     * (Q4_K_M) first, then smaller or better ones, then full precision.
     */
    static final List<String> PREFERENCE = List.of("Q4_K_M", "Q4_K_S", "Q5_K_M", "Q5_K_S", "Q6_K", "Q8_0", "Q4_0",
            "IQ4_XS", "Q3_K_M", "F16", "BF16", "F32");

    private GgufFiles() {
    }

    /** The parts of a split set: {@code (prefix, index, count)} of a part's name. */
    record Split(String prefix, int index, int count) {

        /** The name of part {@code n} (1-based). */
        String part(int n) {
            return String.format(Locale.ROOT, "%s-%05d-of-%05d.gguf", prefix, n, count);
        }

        List<String> parts() {
            return java.util.stream.IntStream.rangeClosed(1, count).mapToObj(this::part).toList();
        }
    }

    static Optional<Split> split(String path) {
        Matcher m = SPLIT.matcher(path);
        if (!m.matches()) {
            return Optional.empty();
        }
        int count = Integer.parseInt(m.group(3));
        int index = Integer.parseInt(m.group(2));
        return count >= 1 && index >= 1 && index <= count
                ? Optional.of(new Split(m.group(1), index, count)) : Optional.empty();
    }

    /** Whether a file is a language model's weights: a {@code .gguf} that is not a vision projector. */
    static boolean isModel(String path) {
        String lower = path.toLowerCase(Locale.ROOT);
        return lower.endsWith(".gguf") && !lower.contains("mmproj");
    }

    /** The rank of a file's quantization in {@link #PREFERENCE}; files without a known tag come last. */
    static int rank(String path) {
        String upper = path.toUpperCase(Locale.ROOT);
        for (int i = 0; i < PREFERENCE.size(); i++) {
            if (Pattern.compile("(^|[^A-Z0-9])" + PREFERENCE.get(i) + "([^A-Z0-9_]|$)").matcher(upper).find()) {
                return i;
            }
        }
        return PREFERENCE.size();
    }

    /** Preferred first: by quantization rank, then smaller, then by name. */
    static Comparator<CandidateFile> order() {
        return Comparator.comparingInt((CandidateFile c) -> rank(c.path())).thenComparingLong(CandidateFile::size)
                .thenComparing(CandidateFile::path);
    }

    /** A file that could be the model, with its size (of the whole split set for a first part). */
    record CandidateFile(String path, long size) {
    }
}
