package dev.llmlb.engine.hf;

import dev.llmlb.api.engine.ContextLengthExceededException;
import dev.llmlb.api.engine.EngineException;
import dev.llmlb.api.engine.GenerationResult;
import dev.llmlb.api.engine.GenerationResult.FinishReason;
import dev.llmlb.api.engine.SamplingParams;
import dev.llmlb.api.engine.TokenSink;

import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * The token loop every decoder engine runs for {@link dev.llmlb.api.engine.LoadedModel#generate}: feed the prompt,
 * pick a token, hand its text to the sink, feed the token back, until end of sequence, {@code maxTokens}, the end
 * of the context, or the sink says stop. The engine supplies only the model's forward pass ({@link Decoder}).
 *
 * <p>Counting follows engine-llamacpp: the end-of-sequence token is neither sent nor counted; a token the sink
 * refuses is counted. Immutable; one loop serves every generation of a model.
 */
public final class DecoderLoop {

    /** The model's forward pass over one generation, holding its KV cache. */
    @FunctionalInterface
    public interface Decoder {
        /**
         * Feeds {@code tokens} at the next positions (the whole prompt first, then one token at a time) and
         * returns the logits over the vocabulary for the token after the last one.
         */
        float[] step(int[] tokens);
    }

    private final int contextLength;
    private final Set<Integer> eosTokenIds;
    private final Function<int[], String> decode;

    /**
     * @param contextLength positions the decoder holds: prompt plus generated tokens never exceed it
     * @param eosTokenIds   tokens that end the generation
     * @param decode        the tokenizer's decoding, for {@link IncrementalDetokenizer}
     */
    public DecoderLoop(int contextLength, Set<Integer> eosTokenIds, Function<int[], String> decode) {
        if (contextLength < 2) {
            throw new IllegalArgumentException("contextLength must be >= 2: " + contextLength);
        }
        this.contextLength = contextLength;
        this.eosTokenIds = Set.copyOf(eosTokenIds);
        this.decode = Objects.requireNonNull(decode, "decode");
    }

    public int contextLength() {
        return contextLength;
    }

    /**
     * Runs one generation.
     *
     * @param promptTokens the formatted prompt's ids, special tokens included
     * @param maxTokens    at most this many tokens; fewer when the context fills up first
     * @throws ContextLengthExceededException when the prompt leaves no room for one token
     * @throws EngineException                when the decoder fails; the sink's own exceptions pass through
     */
    public GenerationResult run(int[] promptTokens, int maxTokens, SamplingParams sampling, Decoder decoder,
                                TokenSink sink) {
        int prompt = promptTokens.length;
        if (prompt == 0) {
            throw new EngineException("the prompt has no tokens");
        }
        if (prompt + 1 > contextLength) {
            throw new ContextLengthExceededException(prompt, contextLength);
        }
        int limit = Math.min(maxTokens, contextLength - prompt);
        Sampler sampler = new Sampler(sampling);
        IncrementalDetokenizer text = new IncrementalDetokenizer(decode);
        float[] logits = step(decoder, promptTokens);
        int produced = 0;
        while (true) {
            int token = sampler.next(logits);
            if (eosTokenIds.contains(token)) {
                return new GenerationResult(FinishReason.END_OF_SEQUENCE, prompt, produced);
            }
            produced++;
            if (!sink.onToken(text.next(token))) {
                return new GenerationResult(FinishReason.STOPPED_BY_SINK, prompt, produced);
            }
            if (produced >= limit) {
                return new GenerationResult(FinishReason.LENGTH, prompt, produced);
            }
            logits = step(decoder, new int[] {token});
        }
    }

    private static float[] step(Decoder decoder, int[] tokens) {
        try {
            return decoder.step(tokens);
        } catch (EngineException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new EngineException("the model failed while generating: " + e.getMessage(), e);
        }
    }
}
