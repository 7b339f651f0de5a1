package dev.llmlb.engine.llamacpp;

import dev.llmlb.api.engine.GenerationResult;
import dev.llmlb.api.engine.GenerationResult.FinishReason;
import dev.llmlb.api.engine.TokenSink;

import java.util.Iterator;

/**
 * Turns java-llama.cpp's stream of text pieces into sink calls, a finish reason and a token count.
 *
 * <p>What the stream says, measured with java-llama.cpp 4.2.0 (llama.cpp b4916): one piece per generated token, in
 * order, except that a token ending inside a UTF-8 character sends nothing and its bytes arrive with the piece of the
 * token that completes the character; the end-of-sequence token sends an empty piece; control tokens send empty
 * pieces; then the stream ends. It carries no token ids and no reason for ending, so:
 * <ul>
 *   <li>an empty piece that is the last one, before {@code budget} pieces, is the end-of-sequence token: it ends the
 *       generation and is not passed to the sink (nor counted);</li>
 *   <li>otherwise the stream ended because {@code budget} tokens were generated (the engine never lets the context
 *       fill up first), so the count is exactly {@code budget}: tokens whose text was held back inside a character
 *       get their (empty) sink calls at the end, keeping one sink call per token.</li>
 * </ul>
 * The one case this reads wrong: an end of sequence right after a token that ended inside a character (its empty
 * piece is then swallowed) is reported as LENGTH.
 *
 * <p>It also bounds how many tokens the generation left in llama.cpp's KV cache, for {@link PromptCache}: a piece of
 * pure ASCII is one token; any other piece at most one token per UTF-8 byte; a few more may have been swallowed
 * before an end of sequence; after LENGTH or a stop, the budget.
 */
final class GenerationLoop {

    private GenerationLoop() {
    }

    /**
     * How a generation went.
     *
     * @param result      what the host is told
     * @param tokensAtMost an upper bound of the tokens generated (and so cached after the prompt)
     */
    record Outcome(GenerationResult result, int tokensAtMost) {
    }

    /** Tokens that can vanish unseen before an end of sequence: the bytes of an unfinished character and more. */
    private static final int UNSEEN_SLACK = 4;

    /**
     * @param pieces  the text of each streamed piece, ending when the generation ends
     * @param cancel  stops the native generation; called when the sink stops it or it fails
     * @param budget  the {@code n_predict} the generation was started with
     */
    static Outcome run(Iterator<String> pieces, Runnable cancel, int budget, int promptTokens, TokenSink sink) {
        int calls = 0;
        int seen = 0;
        long tokensAtMost = 0;
        boolean ended = false;
        try {
            while (pieces.hasNext()) {
                String text = pieces.next();
                seen++;
                if (text.isEmpty() && seen < budget && !pieces.hasNext()) {
                    ended = true;
                    return new Outcome(new GenerationResult(FinishReason.END_OF_SEQUENCE, promptTokens, calls),
                            (int) Math.min(budget, tokensAtMost + 1 + UNSEEN_SLACK));
                }
                calls++;
                tokensAtMost += maxTokensIn(text);
                if (!sink.onToken(text)) {
                    return new Outcome(new GenerationResult(FinishReason.STOPPED_BY_SINK, promptTokens, calls), budget);
                }
            }
            ended = true;
            while (calls < budget) {
                calls++;
                if (!sink.onToken("")) {
                    return new Outcome(new GenerationResult(FinishReason.STOPPED_BY_SINK, promptTokens, calls), budget);
                }
            }
            return new Outcome(new GenerationResult(FinishReason.LENGTH, promptTokens, calls), budget);
        } finally {
            if (!ended) {
                cancel.run();
            }
        }
    }

    private static int maxTokensIn(String piece) {
        if (piece.chars().allMatch(c -> c < 0x80)) {
            return 1;
        }
        return Math.max(1, piece.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
    }
}
