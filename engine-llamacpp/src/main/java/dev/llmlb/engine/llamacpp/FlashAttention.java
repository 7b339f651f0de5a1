package dev.llmlb.engine.llamacpp;

import dev.llmlb.api.engine.EngineException;

import java.util.Optional;

/**
 * Whether a native model uses llama.cpp's flash attention ({@code LLMLB_LLAMACPP_FLASH_ATTENTION}).
 *
 * <p>Unset ({@code auto}), it is on when the model runs more than one sequence with an F16 KV cache. Why, measured
 * with llama.cpp b4916, 4 slots, 2 threads, the same seeded request run alone 24 times in a row: llama.cpp keeps all
 * slots in one KV cache, so a sequence's cells sit wherever the other slots left room, and plain attention sums over
 * the whole cache window, masked cells included, in an order that depends on where the cells sit. With an F16 cache
 * that moved the tokens of 6 of 24 seeded runs (F32 weights) and 9 of 24 (Q8_0 weights), with nothing else running;
 * flash attention skips masked cells and visits a sequence's own cells in order, and none moved. One slot always
 * starts at cell 0, so it does not need it. With an F32 cache plain attention stayed stable (0 of 24), and llama.cpp
 * b4916 aborts the process when flash attention meets an F32 cache (measured), so it is never combined with one.
 */
final class FlashAttention {

    private FlashAttention() {
    }

    static boolean use(Optional<Boolean> setting, int sequences, KvCacheType kvCache) {
        if (setting.isEmpty()) {
            return sequences > 1 && kvCache == KvCacheType.F16;
        }
        if (setting.get() && kvCache != KvCacheType.F16) {
            throw new EngineException("LLMLB_LLAMACPP_FLASH_ATTENTION=true needs an f16 KV cache, and this model's "
                    + "is " + kvCache.name().toLowerCase(java.util.Locale.ROOT) + " (llama.cpp b4916 aborts on "
                    + "that combination); set LLMLB_LLAMACPP_KV_CACHE_TYPE=f16 or leave flash attention on auto");
        }
        return setting.get();
    }
}
