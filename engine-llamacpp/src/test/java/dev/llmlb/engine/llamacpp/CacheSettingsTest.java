package dev.llmlb.engine.llamacpp;

import dev.llmlb.api.engine.EngineException;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The KV cache type and flash attention a model gets (see {@link KvCacheType} and {@link FlashAttention}). */
class CacheSettingsTest {

    @Test
    void autoGivesAnF32CacheToAllF32WeightsOnlyAndTheOperatorDecidesOtherwise() {
        assertEquals(KvCacheType.F32, KvCacheType.resolve(KvCacheType.parse("auto"), true));
        assertEquals(KvCacheType.F16, KvCacheType.resolve(KvCacheType.parse(""), false));
        assertEquals(KvCacheType.F16, KvCacheType.resolve(KvCacheType.parse("F16"), true));
        assertEquals(KvCacheType.BF16, KvCacheType.resolve(KvCacheType.parse(" bf16 "), false));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KvCacheType.parse("q8_0"));
        assertTrue(e.getMessage().contains("auto or one of f16, f32, bf16"), e.getMessage());
    }

    @Test
    void flashAttentionIsOnForSeveralSequencesWithAnF16CacheAndNeverWithAnF32One() {
        assertTrue(FlashAttention.use(Optional.empty(), 4, KvCacheType.F16));
        assertFalse(FlashAttention.use(Optional.empty(), 1, KvCacheType.F16), "one slot always starts at cell 0");
        assertFalse(FlashAttention.use(Optional.empty(), 4, KvCacheType.F32));
        assertFalse(FlashAttention.use(Optional.of(false), 4, KvCacheType.F16));
        assertTrue(FlashAttention.use(Optional.of(true), 1, KvCacheType.F16));
        EngineException e = assertThrows(EngineException.class,
                () -> FlashAttention.use(Optional.of(true), 4, KvCacheType.F32));
        assertTrue(e.getMessage().contains("LLMLB_LLAMACPP_KV_CACHE_TYPE=f16"), e.getMessage());
    }
}
