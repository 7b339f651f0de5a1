package dev.llmlb.api.engine;

import java.util.List;
import java.util.Objects;

/**
 * The log probability of one generated token and of its most likely alternatives, as OpenAI's {@code logprobs}
 * report them: natural logarithms of the probabilities the model gave after {@code logit_bias} and penalties, before
 * temperature, top-p and any constraint.
 *
 * @param token   the token's own text (which may hold only part of a character; see {@code bytes})
 * @param bytes   the token's UTF-8 bytes, exact even where {@code token} cannot show them
 * @param logprob its log probability, at most 0
 * @param top     the most likely tokens at that step, most likely first, each with an empty {@code top}; as many as
 *                the request asked for
 */
public record TokenLogprob(String token, byte[] bytes, double logprob, List<TokenLogprob> top) {

    public TokenLogprob {
        Objects.requireNonNull(token, "token");
        bytes = bytes.clone();
        top = List.copyOf(top);
    }

    /** The bytes, copied. */
    @Override
    public byte[] bytes() {
        return bytes.clone();
    }
}
