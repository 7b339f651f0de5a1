package dev.llmlb.api.engine;

import java.util.Map;
import java.util.OptionalLong;

/**
 * How to pick each token. The defaults follow OpenAI's API, and so does the order: the logits get {@code logitBias}
 * added and the penalties subtracted, then temperature and top-p choose among them.
 *
 * @param temperature      0 means greedy
 * @param topP             nucleus sampling mass in (0, 1]
 * @param seed             fixes the random choices: same seed and prompt give the same output
 * @param presencePenalty  OpenAI's presence penalty, -2..2
 * @param frequencyPenalty OpenAI's frequency penalty, -2..2
 * @param logitBias        added to the logit of each token id named, -100..100 (-100 in effect bans a token, 100
 *                         all but forces it); an engine refuses an id outside its vocabulary with an
 *                         {@link InvalidInputException} naming {@code logit_bias}
 */
public record SamplingParams(double temperature, double topP, OptionalLong seed, double presencePenalty,
                             double frequencyPenalty, Map<Integer, Double> logitBias) {

    public SamplingParams {
        seed = seed == null ? OptionalLong.empty() : seed;
        logitBias = logitBias == null ? Map.of() : Map.copyOf(logitBias);
    }

    /** Without logit bias. */
    public SamplingParams(double temperature, double topP, OptionalLong seed, double presencePenalty,
                          double frequencyPenalty) {
        this(temperature, topP, seed, presencePenalty, frequencyPenalty, Map.of());
    }

    /** OpenAI's defaults: temperature 1, top_p 1, no seed, no penalties. */
    public static SamplingParams defaults() {
        return new SamplingParams(1.0, 1.0, OptionalLong.empty(), 0, 0);
    }

    /** Always the most likely token. */
    public static SamplingParams greedy() {
        return new SamplingParams(0.0, 1.0, OptionalLong.empty(), 0, 0);
    }

    /** Whether every choice is the most likely token. */
    public boolean isGreedy() {
        return temperature <= 0;
    }

    /** The same parameters with another seed. */
    public SamplingParams withSeed(OptionalLong newSeed) {
        return new SamplingParams(temperature, topP, newSeed, presencePenalty, frequencyPenalty, logitBias);
    }
}
