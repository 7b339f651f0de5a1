package dev.llmlb.engine.hf.embed;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Groups inputs into padded batches: sorted by length so that inputs of similar length run together and little
 * padding is computed, each batch at most {@code maxRows} rows and {@code maxPaddedTokens} positions in all (rows
 * times its longest input), which bounds the memory one forward pass takes. An input longer than
 * {@code maxPaddedTokens} runs alone.
 */
public final class Batches {

    /**
     * One forward pass.
     *
     * @param inputs    the indices of its inputs in the request
     * @param positions its longest input's length: every row is padded to it
     */
    public record Batch(int[] inputs, int positions) {
    }

    private Batches() {
    }

    /** The batches for inputs of these {@code lengths}, longest first. */
    public static List<Batch> plan(int[] lengths, int maxRows, int maxPaddedTokens) {
        if (maxRows < 1 || maxPaddedTokens < 1) {
            throw new IllegalArgumentException("maxRows and maxPaddedTokens must be positive");
        }
        Integer[] order = new Integer[lengths.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.<Integer>comparingInt(i -> lengths[i]).reversed().thenComparingInt(i -> i));
        List<Batch> batches = new ArrayList<>();
        int start = 0;
        while (start < order.length) {
            int positions = lengths[order[start]];
            int end = start + 1;
            // Sorted longest first, so the first row sets the batch's padded length.
            while (end < order.length && end - start < maxRows && (long) (end - start + 1) * positions <= maxPaddedTokens) {
                end++;
            }
            int[] inputs = new int[end - start];
            for (int i = start; i < end; i++) {
                inputs[i - start] = order[i];
            }
            batches.add(new Batch(inputs, positions));
            start = end;
        }
        return batches;
    }
}
