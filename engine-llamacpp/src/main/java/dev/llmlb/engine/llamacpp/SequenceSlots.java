package dev.llmlb.engine.llamacpp;

import dev.llmlb.api.engine.EngineException;
import dev.llmlb.api.engine.SamplingParams;

import java.util.concurrent.Semaphore;

/**
 * The slots of one native model: llama.cpp's server runs one sequence per slot and decodes all busy slots together
 * (continuous batching). Each request names its slot ({@code id_slot}), chosen here, so that the engine knows what
 * each slot's part of the KV cache holds ({@link PromptCache}, one per slot) and never hands a slot to two requests.
 *
 * <p>A request takes the free slot that lets it reuse the longest cached prefix, provided that prefix is more than
 * half of what the slot holds (as llama.cpp's own {@code slot_prompt_similarity}, 0.5, would): a prompt that shares
 * only its start token with a conversation must not take that conversation's slot. Otherwise it takes the slot
 * least recently used.
 * When every slot is busy it waits for one, first come first served (the host runs at most as many generations as
 * there are slots, so it never waits there).
 */
final class SequenceSlots {

    /** A slot taken by one request until {@link #release}; each lease is its own object (identity matters). */
    static final class Lease {
        private final int id;
        private final PromptCache cache;
        private final boolean reuse;

        private Lease(int id, PromptCache cache, boolean reuse) {
            this.id = id;
            this.cache = cache;
            this.reuse = reuse;
        }

        /** The llama.cpp slot ({@code id_slot}). */
        int id() {
            return id;
        }

        /** What the slot's part of the KV cache holds. */
        PromptCache cache() {
            return cache;
        }

        /** Whether the request may reuse the slot's cached prefix. */
        boolean reuse() {
            return reuse;
        }
    }

    private final PromptCache[] caches;
    /** The lease holding each slot; null when it is free. */
    private final Lease[] holders;
    private final long[] lastUsed;
    private final Semaphore free;
    private long clock;

    SequenceSlots(int count) {
        caches = new PromptCache[count];
        for (int i = 0; i < count; i++) {
            caches[i] = new PromptCache();
        }
        holders = new Lease[count];
        lastUsed = new long[count];
        free = new Semaphore(count, true);
    }

    int count() {
        return caches.length;
    }

    /**
     * A free slot for {@code prompt}, and whether the request may reuse what that slot's cache holds.
     *
     * @throws EngineException when the thread is interrupted while it waits (its interrupt flag stays set)
     */
    Lease acquire(int[] prompt, SamplingParams sampling) {
        try {
            free.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException("interrupted while waiting for a free sequence slot");
        }
        return take(prompt, sampling);
    }

    private synchronized Lease take(int[] prompt, SamplingParams sampling) {
        int best = -1;
        int bestScore = -2;
        boolean bestReuses = false;
        for (int i = 0; i < caches.length; i++) {
            if (holders[i] != null) {
                continue;
            }
            int prefix = caches[i].reusablePrefix(prompt, sampling);
            int score = prefix < 0 ? -1 : 2 * prefix > caches[i].cachedPromptLength() ? prefix : 0;
            if (score > bestScore || score == bestScore && lastUsed[i] < lastUsed[best]) {
                best = i;
                bestScore = score;
                bestReuses = prefix >= 0;
            }
        }
        lastUsed[best] = ++clock;
        PromptCache cache = caches[best];
        cache.forget(); // until this request has run
        holders[best] = new Lease(best, cache, bestReuses);
        return holders[best];
    }

    /** Gives a slot back; the native slot must be idle again (its task ended or was cancelled). */
    synchronized void release(Lease lease) {
        if (holders[lease.id()] != lease) {
            throw new EngineException("slot " + lease.id() + " released by a request that does not hold it");
        }
        holders[lease.id()] = null;
        free.release();
    }

    /** How many slots are free now. */
    int freeSlots() {
        return free.availablePermits();
    }
}
