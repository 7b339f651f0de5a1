package dev.llmlb.engine.llamacpp;

import dev.llmlb.api.engine.EngineException;
import dev.llmlb.api.engine.SamplingParams;

import java.util.concurrent.Semaphore;

/**
 * The slots of one native model: llama.cpp's server runs one sequence per slot and decodes all busy slots together
 * (continuous batching). Each request names its slot ({@code id_slot}), chosen here, so that the engine knows what
 * each slot's part of the KV cache holds ({@link PromptCache}, one per slot) and never hands a slot to two requests.
 *
 * <p>A request takes the free slot that lets it reuse the longest cached prefix, else the one least recently used.
 * When every slot is busy it waits for one, first come first served (the host runs at most as many generations as
 * there are slots, so it never waits there).
 */
final class SequenceSlots {

    /** A slot taken by one request until {@link #release}. */
    record Lease(int id, PromptCache cache, boolean reuse) {
    }

    private final PromptCache[] caches;
    private final boolean[] busy;
    private final long[] lastUsed;
    private final Semaphore free;
    private long clock;

    SequenceSlots(int count) {
        caches = new PromptCache[count];
        for (int i = 0; i < count; i++) {
            caches[i] = new PromptCache();
        }
        busy = new boolean[count];
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
        int bestPrefix = -2;
        for (int i = 0; i < caches.length; i++) {
            if (busy[i]) {
                continue;
            }
            int prefix = caches[i].reusablePrefix(prompt, sampling);
            if (prefix > bestPrefix || prefix == bestPrefix && lastUsed[i] < lastUsed[best]) {
                best = i;
                bestPrefix = prefix;
            }
        }
        busy[best] = true;
        lastUsed[best] = ++clock;
        PromptCache cache = caches[best];
        cache.forget(); // until this request has run
        return new Lease(best, cache, bestPrefix >= 0);
    }

    /** Gives a slot back; the native slot must be idle again (its task ended or was cancelled). */
    synchronized void release(Lease lease) {
        if (!busy[lease.id()]) {
            throw new EngineException("slot " + lease.id() + " released twice");
        }
        busy[lease.id()] = false;
        free.release();
    }

    /** How many slots are free now. */
    int freeSlots() {
        return free.availablePermits();
    }
}
