package dev.llmlb.engine.hf;

import java.util.List;

/**
 * A decoder model's forward pass over many sequences at once, each holding its own KV cache: what an engine gives
 * {@link DecodeScheduler}. The scheduler calls it from its own thread only, one call at a time, so an implementation
 * needs no locking of its own; it frees a sequence's cache only in {@link #release}.
 *
 * <p>Batching must never change text: {@link #decode} must give each sequence exactly (bit for bit) the logits it
 * would get if it ran alone. An engine whose kernels cannot promise that for some sequences runs those in separate
 * passes.
 *
 * @param <S> the engine's handle on one sequence and its cache
 */
public interface BatchDecoder<S> {

    /** A new sequence with an empty cache. */
    S open();

    /**
     * Feeds a whole prompt to {@code sequence} alone, at positions 0 onwards, and returns the logits for the token
     * after it.
     */
    float[] prefill(S sequence, int[] tokens);

    /**
     * Feeds {@code tokens[i]} to {@code sequences.get(i)} at that sequence's next position, in one forward pass where
     * the engine can, and returns each sequence's logits in the same order.
     */
    float[][] decode(List<S> sequences, int[] tokens);

    /** Frees the sequence's cache; the sequence is not used again. */
    void release(S sequence);
}
