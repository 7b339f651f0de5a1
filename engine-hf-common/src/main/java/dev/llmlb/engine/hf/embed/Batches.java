package dev.llmlb.engine.hf.embed;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Groups inputs into padded batches: sorted by length so that inputs of similar length run together and little
 * padding is computed, each batch at most {@code maxRows} rows and {@code maxPaddedTokens} positions in all (rows
 * times its longest input), which bounds the memory one forward pass takes. An input longer than
 * {@code maxPaddedTokens} runs alone. On a CPU a padded position costs as much as a real one, so the plan trades
 * fewer runs against less padding.
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

    /**
     * What a forward pass costs beyond its positions, in positions: a run has a fixed cost (launching every
     * operator once), so a few padded positions are worth saving a run. Measured on all-MiniLM-L6-v2 on 2 cores.
     */
    static final int RUN_COST = 8;

    /**
     * The batches for inputs of these {@code lengths}, longest first. Sorted by length, the inputs are cut into
     * consecutive groups that cost least in all: padded positions (rows times the group's longest) plus
     * {@link #RUN_COST} per group, within {@code maxRows} and {@code maxPaddedTokens} per group.
     */
    public static List<Batch> plan(int[] lengths, int maxRows, int maxPaddedTokens) {
        if (maxRows < 1 || maxPaddedTokens < 1) {
            throw new IllegalArgumentException("maxRows and maxPaddedTokens must be positive");
        }
        int n = lengths.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.<Integer>comparingInt(i -> lengths[i]).reversed().thenComparingInt(i -> i));
        // cost[i]: the least cost of the first i inputs in sorted order; start[i]: where its last group starts.
        long[] cost = new long[n + 1];
        int[] start = new int[n + 1];
        for (int i = 1; i <= n; i++) {
            cost[i] = Long.MAX_VALUE;
            for (int j = i - 1; j >= 0 && i - j <= maxRows; j--) {
                long padded = (long) (i - j) * lengths[order[j]];
                if (i - j > 1 && padded > maxPaddedTokens) {
                    break;
                }
                long total = cost[j] + padded + RUN_COST;
                if (total < cost[i]) {
                    cost[i] = total;
                    start[i] = j;
                }
            }
        }
        List<Batch> batches = new ArrayList<>();
        for (int end = n; end > 0; end = start[end]) {
            int from = start[end];
            int[] inputs = new int[end - from];
            for (int i = from; i < end; i++) {
                inputs[i - from] = order[i];
            }
            batches.add(new Batch(inputs, lengths[order[from]]));
        }
        java.util.Collections.reverse(batches);
        return batches;
    }
}
