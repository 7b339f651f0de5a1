package dev.llmlb.engine.llamacpp;

import dev.llmlb.api.engine.SamplingParams;

import java.util.Arrays;

/**
 * What one llama.cpp slot's part of the KV cache holds, and whether the next request on that slot may reuse it.
 *
 * <p>Measured with llama.cpp b4916 through java-llama.cpp 4.2.0: when a prompt is already entirely in the cache
 * (the same prompt again, or the previous prompt plus part of what it generated), llama.cpp evaluates its last token
 * again, and in some processes (not all: it looks like stale memory) 20–70% of such requests then generated
 * different, wrong tokens (the same greedy request repeated 100 times); a prompt that only shares a prefix with the
 * cache, or extends all of it, agreed with a fresh evaluation in 1,399 of 1,400 runs. So the cache is reused only
 * when the prompt must go beyond what is cached: it does not begin with the previous prompt, or it is longer than
 * the previous prompt plus everything generated after it.
 *
 * <p>A request with a seed never reuses the cache: a cached prefix is evaluated in other batch shapes than a fresh
 * one, which can move logits in the last bits, and a seed promises the same output every time.
 *
 * <p>A request that does not reuse the cache leaves it empty (llama.cpp then records nothing), so the request after
 * it may reuse again. A slot runs one generation at a time (see {@link SequenceSlots}), so the previous request is
 * known exactly, except after a failure.
 */
final class PromptCache {

    private static final int[] EMPTY = new int[0];

    /** The last prompt when the cache holds it; empty when the cache is empty; null when unknown. */
    private int[] lastPrompt = EMPTY;
    private int lastGenerated;

    /** Whether a request for {@code prompt} may reuse the cache. */
    synchronized boolean mayReuse(int[] prompt, SamplingParams sampling) {
        return reusablePrefix(prompt, sampling) >= 0;
    }

    /**
     * How many leading tokens of {@code prompt} a request could take from the cache: -1 when it must not reuse the
     * cache at all, else the length of the prefix it shares with the cached prompt (0 for an empty cache).
     */
    synchronized int reusablePrefix(int[] prompt, SamplingParams sampling) {
        if (sampling.seed().isPresent() || lastPrompt == null) {
            return -1;
        }
        int shared = Math.min(prompt.length, lastPrompt.length);
        int common = Arrays.mismatch(prompt, 0, shared, lastPrompt, 0, shared);
        if (common < 0) {
            common = shared;
        }
        boolean sharesLastPrompt = common == shared;
        if (lastPrompt.length > 0 && sharesLastPrompt && prompt.length <= lastPrompt.length + lastGenerated) {
            return -1;
        }
        return common;
    }

    /** How many prompt tokens the cache holds (0 when empty or unknown). */
    synchronized int cachedPromptLength() {
        return lastPrompt == null ? 0 : lastPrompt.length;
    }

    /**
     * Records a request that ran: with the cache reused, it now holds the prompt and at most {@code generated}
     * tokens after it; without, it is empty.
     */
    synchronized void record(int[] prompt, boolean reused, int generated) {
        lastPrompt = reused ? prompt.clone() : EMPTY;
        lastGenerated = generated;
    }

    /** After a failed request nothing is known about the cache. */
    synchronized void forget() {
        lastPrompt = null;
        lastGenerated = 0;
    }
}
