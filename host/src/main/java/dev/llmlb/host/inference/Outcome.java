package dev.llmlb.host.inference;

import dev.llmlb.api.engine.TokenLogprob;

import java.util.List;
import java.util.Optional;

/**
 * How a generation ended, in OpenAI's terms.
 *
 * @param finishReason {@code stop} or {@code length}
 * @param text         everything sent (stop sequences excluded)
 * @param logprobs     each sent token's log probabilities, when asked for
 */
public record Outcome(String finishReason, String text, int promptTokens, int completionTokens,
                      Optional<List<TokenLogprob>> logprobs) {

    public Outcome(String finishReason, String text, int promptTokens, int completionTokens) {
        this(finishReason, text, promptTokens, completionTokens, Optional.empty());
    }

    public int totalTokens() {
        return promptTokens + completionTokens;
    }
}
