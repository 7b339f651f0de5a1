package dev.llmlb.engine.hf;

import java.util.Arrays;
import java.util.function.Function;

/**
 * Turns generated tokens into text one token at a time, without breaking characters: a token that ends inside a
 * multi-byte character (byte-fallback pieces) yields {@code ""} and its bytes come out with the token that completes
 * the character. Decodes a short window of recent tokens (the previous piece and the new ones), so decoders that
 * treat a sequence's start specially (a stripped leading space) do not change text in the middle. Not thread-safe:
 * one per generation.
 */
public final class IncrementalDetokenizer {

    private static final char REPLACEMENT = '\uFFFD';

    private final Function<int[], String> decode;
    private int[] tokens = new int[16];
    private int size;
    private int prefixOffset;
    private int readOffset;

    /** @param decode the tokenizer's decoding of a token sequence, e.g. {@link HfTokenizer#decode} */
    public IncrementalDetokenizer(Function<int[], String> decode) {
        this.decode = decode;
    }

    /** Adds a token; returns the text it completes, possibly empty. */
    public String next(int token) {
        if (size == tokens.length) {
            tokens = Arrays.copyOf(tokens, size * 2);
        }
        tokens[size++] = token;
        String before = decode.apply(Arrays.copyOfRange(tokens, prefixOffset, readOffset));
        String after = decode.apply(Arrays.copyOfRange(tokens, prefixOffset, size));
        if (after.length() > before.length() && after.charAt(after.length() - 1) != REPLACEMENT) {
            // Normally "after" extends "before"; a decoder that rewrites earlier text gets what follows the common
            // prefix.
            int common = 0;
            while (common < before.length() && before.charAt(common) == after.charAt(common)) {
                common++;
            }
            prefixOffset = readOffset;
            readOffset = size;
            return after.substring(common);
        }
        return "";
    }
}
