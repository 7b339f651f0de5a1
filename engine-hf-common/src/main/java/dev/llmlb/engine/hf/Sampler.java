package dev.llmlb.engine.hf;

import dev.llmlb.api.engine.SamplingParams;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Picks each next token from the model's logits as OpenAI's parameters define it, for one generation:
 * <ol>
 *   <li>penalties, per token {@code j} generated {@code c[j]} times so far:
 *       {@code logit[j] -= c[j] * frequency_penalty + (c[j] > 0 ? presence_penalty : 0)};</li>
 *   <li>temperature 0: the most likely token (the lowest id on a tie);</li>
 *   <li>otherwise softmax of {@code logit / temperature}, cut to the smallest set of most likely tokens whose mass
 *       reaches {@code top_p}, and one draw from it.</li>
 * </ol>
 * Draws come from a {@link SplittableRandom} seeded with the request's seed, so the same seed, prompt and model give
 * the same tokens; without a seed each sampler is seeded at random. Not thread-safe: one per generation.
 */
public final class Sampler {

    private final SamplingParams params;
    private final SplittableRandom random;
    private final Map<Integer, Integer> counts = new HashMap<>();

    public Sampler(SamplingParams params) {
        this.params = params;
        this.random = params.seed().isPresent() ? new SplittableRandom(params.seed().getAsLong())
                : new SplittableRandom();
    }

    /** Chooses the next token from {@code logits} (left unchanged) and remembers it for the penalties. */
    public int next(float[] logits) {
        float[] adjusted = penalize(logits);
        int token = params.isGreedy() ? argmax(adjusted) : draw(adjusted);
        counts.merge(token, 1, Integer::sum);
        return token;
    }

    private float[] penalize(float[] logits) {
        if (counts.isEmpty() || (params.presencePenalty() == 0 && params.frequencyPenalty() == 0)) {
            return logits;
        }
        float[] out = logits.clone();
        counts.forEach((token, count) -> {
            if (token < out.length) {
                out[token] -= (float) (count * params.frequencyPenalty() + params.presencePenalty());
            }
        });
        return out;
    }

    /** The index of the largest value, the lowest index on a tie. */
    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    private int draw(float[] logits) {
        double temperature = params.temperature();
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            p[i] = Math.exp((logits[i] - max) / temperature);
            sum += p[i];
        }
        double topP = params.topP();
        if (topP <= 0 || topP >= 1) {
            return pick(p, sum, null, p.length);
        }
        int[] order = byProbabilityDescending(p);
        double needed = topP * sum;
        double kept = 0;
        int count = 0;
        while (count < order.length && (count == 0 || kept < needed)) {
            kept += p[order[count++]];
        }
        return pick(p, kept, order, count);
    }

    /** One draw among the first {@code count} candidates ({@code order}, or every id when null). */
    private int pick(double[] p, double total, int[] order, int count) {
        double r = random.nextDouble() * total;
        int last = order == null ? count - 1 : order[count - 1];
        for (int k = 0; k < count; k++) {
            int id = order == null ? k : order[k];
            r -= p[id];
            if (r < 0) {
                return id;
            }
        }
        return last;
    }

    /**
     * Ids sorted by probability, highest first, the lower id first on a tie: a primitive sort of keys that put the
     * (non-negative) probability's bits above the id.
     */
    private static int[] byProbabilityDescending(double[] p) {
        long[] keys = new long[p.length];
        for (int i = 0; i < p.length; i++) {
            int bits = Float.floatToRawIntBits((float) p[i]);
            keys[i] = ((long) (Integer.MAX_VALUE - bits) << 32) | i;
        }
        Arrays.sort(keys);
        int[] order = new int[p.length];
        for (int i = 0; i < p.length; i++) {
            order[i] = (int) keys[i];
        }
        return order;
    }
}
