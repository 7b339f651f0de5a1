package dev.llmlb.api.engine;

import java.util.Objects;

/**
 * How a generation ended.
 *
 * @param finishReason     why it ended
 * @param promptTokens     tokens of the formatted prompt
 * @param completionTokens tokens generated, including one the sink refused
 */
public record GenerationResult(FinishReason finishReason, int promptTokens, int completionTokens) {

    public GenerationResult {
        Objects.requireNonNull(finishReason, "finishReason");
    }

    /** Why a generation ended. */
    public enum FinishReason {
        /** The model produced its end-of-sequence token. */
        END_OF_SEQUENCE,
        /** {@code maxTokens} were generated, or the context filled up. */
        LENGTH,
        /** The sink returned {@code false}. */
        STOPPED_BY_SINK
    }
}
