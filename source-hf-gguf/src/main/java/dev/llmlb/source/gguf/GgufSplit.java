package dev.llmlb.source.gguf;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One part of a split GGUF set, named as llama.cpp's {@code gguf-split} names them:
 * {@code <prefix>-00001-of-00003.gguf}.
 *
 * @param prefix the path before {@code -00001-of-...}
 * @param part   this part's number, from 1
 * @param count  how many parts the set has
 * @param width     how many digits the numbers are written with (llama.cpp writes five)
 * @param extension the extension as written, {@code .gguf} in any case
 */
public record GgufSplit(String prefix, int part, int count, int width, String extension) {

    private static final Pattern SPLIT = Pattern.compile("(.+)-(\\d{1,9})-of-(\\d{1,9})(\\.gguf)",
            Pattern.CASE_INSENSITIVE);

    /** The split set {@code path} belongs to, when it is named as a part. */
    public static Optional<GgufSplit> parse(String path) {
        Matcher m = SPLIT.matcher(path);
        if (!m.matches() || m.group(2).length() != m.group(3).length()) {
            return Optional.empty();
        }
        int part = Integer.parseInt(m.group(2));
        int count = Integer.parseInt(m.group(3));
        if (part < 1 || part > count) {
            return Optional.empty();
        }
        return Optional.of(new GgufSplit(m.group(1), part, count, m.group(3).length(), m.group(4)));
    }

    /** The path of part {@code n} of this set. */
    public String partPath(int n) {
        String digits = "%0" + width + "d";
        return prefix + "-" + String.format(Locale.ROOT, digits, n) + "-of-" + String.format(Locale.ROOT, digits, count) + extension;
    }

    /** Every part's path, in order. */
    public List<String> allParts() {
        List<String> parts = new ArrayList<>(count);
        for (int n = 1; n <= count; n++) {
            parts.add(partPath(n));
        }
        return parts;
    }

    /** The first part's path: what llama.cpp opens to load the whole set. */
    public String firstPart() {
        return partPath(1);
    }
}
