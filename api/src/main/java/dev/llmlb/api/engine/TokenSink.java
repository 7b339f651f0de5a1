package dev.llmlb.api.engine;

/**
 * Receives generated tokens one at a time.
 */
@FunctionalInterface
public interface TokenSink {

    /**
     * One generated token.
     *
     * @param text the text it adds, possibly empty
     * @return {@code true} to go on, {@code false} to stop now (the client left, or a stop sequence matched)
     */
    boolean onToken(String text);

    /**
     * One generated token with its log probabilities: what an engine calls instead of {@link #onToken(String)} when
     * the request asked for {@link GenerationRequest#topLogprobs()}. By default it drops them.
     *
     * @param logprob the token's log probability and the alternatives asked for
     */
    default boolean onToken(String text, TokenLogprob logprob) {
        return onToken(text);
    }
}
