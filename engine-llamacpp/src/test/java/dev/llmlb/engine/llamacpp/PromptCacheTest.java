package dev.llmlb.engine.llamacpp;

import dev.llmlb.api.engine.SamplingParams;
import org.junit.jupiter.api.Test;

import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When llama.cpp's KV cache may be reused (see {@link PromptCache} for the measurements behind it). */
class PromptCacheTest {

    private static final SamplingParams GREEDY = SamplingParams.greedy();
    private final PromptCache cache = new PromptCache();

    @Test
    void aFreshModelHasNothingCachedSoReuseIsSafe() {
        assertTrue(cache.mayReuse(new int[] {1, 2, 3}, GREEDY));
    }

    @Test
    void aPromptEntirelyInTheCacheIsEvaluatedAfresh() {
        cache.record(new int[] {1, 2, 3}, true, 5);
        assertFalse(cache.mayReuse(new int[] {1, 2, 3}, GREEDY), "the same prompt again");
        assertFalse(cache.mayReuse(new int[] {1, 2}, GREEDY), "a shorter one");
        assertFalse(cache.mayReuse(new int[] {1, 2, 3, 9, 9, 9, 9, 9}, GREEDY), "may end inside the generated tokens");
    }

    @Test
    void aPromptThatGoesBeyondTheCacheReusesIt() {
        cache.record(new int[] {1, 2, 3}, true, 5);
        assertTrue(cache.mayReuse(new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, GREEDY), "a follow-up turn");
        assertTrue(cache.mayReuse(new int[] {1, 2, 7}, GREEDY), "diverges inside the cached prompt");
    }

    @Test
    void aRequestWithoutReuseLeavesTheCacheEmpty() {
        cache.record(new int[] {1, 2, 3}, false, 5);
        assertTrue(cache.mayReuse(new int[] {1, 2, 3}, GREEDY));
    }

    @Test
    void seededRequestsAndUnknownStatesNeverReuse() {
        assertFalse(cache.mayReuse(new int[] {1}, new SamplingParams(1, 1, OptionalLong.of(4), 0, 0)));
        cache.forget();
        assertFalse(cache.mayReuse(new int[] {1, 2, 3}, GREEDY));
    }

    @Test
    void theReusablePrefixIsWhatThePromptSharesWithTheCache() {
        assertEquals(0, cache.reusablePrefix(new int[] {1, 2, 3}, GREEDY), "nothing cached");
        cache.record(new int[] {1, 2, 3}, true, 5);
        assertEquals(3, cache.cachedPromptLength());
        assertEquals(2, cache.reusablePrefix(new int[] {1, 2, 7}, GREEDY));
        assertEquals(3, cache.reusablePrefix(new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, GREEDY));
        assertEquals(-1, cache.reusablePrefix(new int[] {1, 2, 3}, GREEDY), "entirely cached: never");
    }
}
