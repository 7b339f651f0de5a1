package dev.llmlb.api.engine;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One generation.
 *
 * @param prompt      what to continue
 * @param maxTokens   at most this many new tokens; at least 1
 * @param sampling    how to choose them
 * @param constraint  the JSON the output must be, when it is constrained
 * @param topLogprobs when present, the engine reports each token's log probability and this many (0 to 20) most
 *                    likely alternatives through {@link TokenSink#onToken(String, TokenLogprob)}
 */
public record GenerationRequest(Prompt prompt, int maxTokens, SamplingParams sampling,
                                Optional<JsonConstraint> constraint, OptionalInt topLogprobs) {

    /** The most alternatives a request may ask for, as OpenAI allows. */
    public static final int MAX_TOP_LOGPROBS = 20;

    public GenerationRequest {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(sampling, "sampling");
        constraint = constraint == null ? Optional.empty() : constraint;
        topLogprobs = topLogprobs == null ? OptionalInt.empty() : topLogprobs;
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be >= 1: " + maxTokens);
        }
        if (topLogprobs.isPresent() && (topLogprobs.getAsInt() < 0 || topLogprobs.getAsInt() > MAX_TOP_LOGPROBS)) {
            throw new IllegalArgumentException("topLogprobs must be in 0.." + MAX_TOP_LOGPROBS);
        }
    }

    /** Free text without log probabilities. */
    public GenerationRequest(Prompt prompt, int maxTokens, SamplingParams sampling) {
        this(prompt, maxTokens, sampling, Optional.empty(), OptionalInt.empty());
    }
}
