package dev.llmlb.host.inference;

import dev.llmlb.api.engine.TokenLogprob;

import java.io.IOException;
import java.util.List;

/** Receives generated text on the request's thread; throws when the client has gone. */
@FunctionalInterface
public interface TextConsumer {

    /**
     * @param text     text that is ready to send (possibly empty when only log probabilities are)
     * @param logprobs the log probabilities of the tokens that made it, when the request asked for them
     */
    void accept(String text, List<TokenLogprob> logprobs) throws IOException;
}
