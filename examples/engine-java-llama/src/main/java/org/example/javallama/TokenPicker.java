package org.example.javallama;

import dev.llmlb.api.engine.SamplingParams;

import java.util.Arrays;
import java.util.Random;

/**
 * Chooses each next token for one generation, as OpenAI's parameters describe: penalties for tokens already
 * generated, then the most likely token at temperature 0, else a draw from the softmax at the temperature, cut to the
 * most likely tokens that together reach {@code top_p}. A seed makes the draws repeat.
 */
final class TokenPicker {

    private final SamplingParams params;
    private final Random random;
    private final int[] counts;

    TokenPicker(SamplingParams params, int vocabularySize) {
        this.params = params;
        this.random = params.seed().isPresent() ? new Random(params.seed().getAsLong()) : new Random();
        this.counts = new int[vocabularySize];
    }

    int pick(float[] logits) {
        double[] adjusted = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            int c = i < counts.length ? counts[i] : 0;
            adjusted[i] = logits[i] - (c * params.frequencyPenalty() + (c > 0 ? params.presencePenalty() : 0));
        }
        int token = params.isGreedy() ? argmax(adjusted) : draw(adjusted);
        if (token < counts.length) {
            counts[token]++;
        }
        return token;
    }

    private static int argmax(double[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    private int draw(double[] logits) {
        double max = Arrays.stream(logits).max().orElse(0);
        double[] p = new double[logits.length];
        double total = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp((logits[i] - max) / params.temperature());
            total += p[i];
        }
        Integer[] order = new Integer[p.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
        double topP = params.topP() > 0 && params.topP() < 1 ? params.topP() : 1;
        int kept = 0;
        double mass = 0;
        while (kept < order.length && (kept == 0 || mass / total < topP)) {
            mass += p[order[kept++]];
        }
        double target = random.nextDouble() * mass;
        for (int i = 0; i < kept; i++) {
            target -= p[order[i]];
            if (target <= 0) {
                return order[i];
            }
        }
        return order[kept - 1];
    }
}
