package dev.llmlb.host.inference;

/**
 * How a generation ended, in OpenAI's terms.
 *
 * @param finishReason {@code stop} or {@code length}
 * @param text         everything sent (stop sequences excluded)
 */
public record Outcome(String finishReason, String text, int promptTokens, int completionTokens) {

    public int totalTokens() {
        return promptTokens + completionTokens;
    }
}
