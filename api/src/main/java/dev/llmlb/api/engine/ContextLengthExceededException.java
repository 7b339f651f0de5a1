package dev.llmlb.api.engine;

import dev.llmlb.api.LlmlbException;

/**
 * The prompt (plus at least one generated token) does not fit the model's context. The host answers 400
 * {@code context_length_exceeded}.
 */
public class ContextLengthExceededException extends LlmlbException {

    private final int promptTokens;
    private final int contextLength;

    public ContextLengthExceededException(int promptTokens, int contextLength) {
        super("This model's maximum context length is " + contextLength + " tokens, but the prompt has "
                + promptTokens + " tokens. Shorten the messages.");
        this.promptTokens = promptTokens;
        this.contextLength = contextLength;
    }

    public int promptTokens() {
        return promptTokens;
    }

    public int contextLength() {
        return contextLength;
    }

    @Override
    public String code() {
        return "context_length_exceeded";
    }
}
