package dev.llmlb.engine.hf;

import dev.llmlb.api.engine.SamplingParams;
import dev.llmlb.engine.hf.json.JsonTokenConstraint;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Picks each next token from the model's logits as OpenAI's parameters define it, for one generation:
 * <ol>
 *   <li>{@code logit_bias} added: {@code logit[j] += bias[j]};</li>
 *   <li>penalties, per token {@code j} generated {@code c[j]} times so far:
 *       {@code logit[j] -= c[j] * frequency_penalty + (c[j] > 0 ? presence_penalty : 0)};</li>
 *   <li>log probabilities, when asked for: the log-softmax of these logits (before temperature and any constraint,
 *       as OpenAI reports them);</li>
 *   <li>a JSON constraint, when there is one, sets every token it does not allow to negative infinity;</li>
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
    private final JsonTokenConstraint constraint;
    private final int topLogprobs;
    private Logprobs last;

    /**
     * The log probabilities of one choice: the chosen token's and those of the {@code top} most likely tokens, most
     * likely first.
     */
    public record Logprobs(int token, float logprob, int[] topTokens, float[] topLogprobs) {
    }

    public Sampler(SamplingParams params) {
        this(params, null, -1);
    }

    /**
     * @param constraint  holds the output to a JSON schema; null for free text
     * @param topLogprobs -1 for no log probabilities, else how many alternatives to report with each token
     */
    public Sampler(SamplingParams params, JsonTokenConstraint constraint, int topLogprobs) {
        this.params = params;
        this.random = params.seed().isPresent() ? new SplittableRandom(params.seed().getAsLong())
                : new SplittableRandom();
        this.constraint = constraint;
        this.topLogprobs = topLogprobs;
    }

    /** Chooses the next token from {@code logits} (left unchanged) and remembers it for the penalties. */
    public int next(float[] logits) {
        float[] adjusted = adjust(logits);
        float[] logprobs = topLogprobs >= 0 ? logSoftmax(adjusted) : null;
        if (constraint != null) {
            if (adjusted == logits) {
                adjusted = logits.clone();
            }
            constraint.mask(adjusted);
        }
        int token = params.isGreedy() ? argmax(adjusted) : draw(adjusted);
        counts.merge(token, 1, Integer::sum);
        if (constraint != null) {
            constraint.accept(token);
        }
        if (logprobs != null) {
            last = logprobs(token, logprobs);
        }
        return token;
    }

    /** The log probabilities of the last choice; null unless they were asked for. */
    public Logprobs lastLogprobs() {
        return last;
    }

    /** The logits with {@code logit_bias} and the penalties applied; {@code logits} itself when neither applies. */
    private float[] adjust(float[] logits) {
        boolean penalties = !counts.isEmpty() && (params.presencePenalty() != 0 || params.frequencyPenalty() != 0);
        if (!penalties && params.logitBias().isEmpty()) {
            return logits;
        }
        float[] out = logits.clone();
        params.logitBias().forEach((token, bias) -> {
            if (token < out.length) {
                out[token] += bias.floatValue();
            }
        });
        if (penalties) {
            counts.forEach((token, count) -> {
                if (token < out.length) {
                    out[token] -= (float) (count * params.frequencyPenalty() + params.presencePenalty());
                }
            });
        }
        return out;
    }

    private static float[] logSoftmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        double log = max + Math.log(sum);
        float[] out = new float[logits.length];
        for (int i = 0; i < logits.length; i++) {
            out[i] = (float) (logits[i] - log);
        }
        return out;
    }

    private Logprobs logprobs(int token, float[] logprobs) {
        int k = Math.min(topLogprobs, logprobs.length);
        int[] top = new int[k];
        float[] values = new float[k];
        // A partial selection: k is at most 20.
        boolean[] taken = new boolean[logprobs.length];
        for (int j = 0; j < k; j++) {
            int best = -1;
            for (int i = 0; i < logprobs.length; i++) {
                if (!taken[i] && (best < 0 || logprobs[i] > logprobs[best])) {
                    best = i;
                }
            }
            taken[best] = true;
            top[j] = best;
            values[j] = logprobs[best];
        }
        return new Logprobs(token, logprobs[token], top, values);
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
