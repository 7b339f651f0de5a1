package dev.llmlb.engine.onnx;

import dev.llmlb.api.engine.EngineException;

import java.util.Arrays;
import java.util.List;

/**
 * One generation's state: the tokens fed so far and their KV cache. Each {@link #step} feeds new tokens with the
 * cache of the previous run as {@code past_key_values.*}, so a token is never recomputed. The cache lives in the
 * {@link KvBatch} of the last pass the sequence ran in, shared with the sequences that ran beside it
 * ({@link OnnxDecoder#decode}); {@link #close} releases the sequence's share.
 *
 * <p>Runs under its decoder's lock: one pass of a decoder at a time.
 */
public final class DecoderSequence implements AutoCloseable {

    private final OnnxDecoder decoder;
    private KvBatch batch;
    private int length;
    private boolean closed;

    DecoderSequence(OnnxDecoder decoder) {
        this.decoder = decoder;
    }

    /** Tokens fed so far: the positions the KV cache holds. */
    public int length() {
        return length;
    }

    /**
     * Feeds {@code tokens} after those fed so far and returns the logits that predict the next token. A long
     * prompt runs in chunks of {@link OnnxOptions#prefillChunk()} tokens, so at most that many rows of logits
     * exist at once. When a chunk fails, the chunks before it stay in the sequence.
     *
     * @throws EngineException          when ONNX Runtime fails, or the tokens would exceed the model's context
     * @throws IllegalArgumentException when {@code tokens} is empty
     */
    public float[] step(int... tokens) {
        requireTokens(tokens);
        int chunk = decoder.options().prefillChunk();
        float[] last = null;
        for (int from = 0; from < tokens.length; from += chunk) {
            int[] part = Arrays.copyOfRange(tokens, from, Math.min(tokens.length, from + chunk));
            last = decoder.run(List.of(this), part, part.length, false)[0];
        }
        return last;
    }

    /**
     * Feeds {@code tokens} in one forward pass and returns the logits at every one of their positions (row
     * {@code i} predicts the token after {@code tokens[i]}), for scoring and for checking the cache.
     */
    public float[][] stepAllPositions(int... tokens) {
        requireTokens(tokens);
        return decoder.run(List.of(this), tokens, tokens.length, true);
    }

    void requireTokens(int[] tokens) {
        if (closed) {
            throw new IllegalStateException("the sequence is closed");
        }
        if (tokens.length == 0) {
            throw new IllegalArgumentException("no tokens to feed");
        }
        if ((long) length + tokens.length > decoder.config().contextLength()) {
            throw new EngineException("the sequence would hold " + (length + tokens.length) + " tokens, more than "
                    + "the model's context of " + decoder.config().contextLength());
        }
    }

    boolean closed() {
        return closed;
    }

    KvBatch batch() {
        return batch;
    }

    /** The sequence's cache is now row {@code next.members().indexOf(this)} of {@code next}, holding {@code length}. */
    void moveTo(KvBatch next, int newLength) {
        KvBatch previous = batch;
        batch = next;
        length = newLength;
        if (previous != null && previous != next) {
            previous.leave();
        }
    }

    /** Releases the sequence's share of its KV cache. Idempotent. */
    @Override
    public void close() {
        decoder.release(this);
    }

    /** Called by the decoder, under its lock. */
    void closeUnderLock() {
        if (closed) {
            return;
        }
        closed = true;
        if (batch != null) {
            batch.leave();
            batch = null;
        }
    }
}
