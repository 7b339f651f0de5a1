package dev.llmlb.api.engine;

import java.util.Objects;

/**
 * One generation.
 *
 * @param prompt    what to continue
 * @param maxTokens at most this many new tokens; at least 1
 * @param sampling  how to choose them
 */
public record GenerationRequest(Prompt prompt, int maxTokens, SamplingParams sampling) {

    public GenerationRequest {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(sampling, "sampling");
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be >= 1: " + maxTokens);
        }
    }
}
