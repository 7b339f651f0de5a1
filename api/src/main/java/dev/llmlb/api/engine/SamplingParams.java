package dev.llmlb.api.engine;

import java.util.OptionalLong;

/**
 * How to pick each token. The defaults follow OpenAI's API.
 *
 * @param temperature      0 means greedy
 * @param topP             nucleus sampling mass in (0, 1]
 * @param seed             fixes the random choices: same seed and prompt give the same output
 * @param presencePenalty  OpenAI's presence penalty, -2..2
 * @param frequencyPenalty OpenAI's frequency penalty, -2..2
 */
public record SamplingParams(double temperature, double topP, OptionalLong seed, double presencePenalty,
                             double frequencyPenalty) {

    public SamplingParams {
        seed = seed == null ? OptionalLong.empty() : seed;
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
}
