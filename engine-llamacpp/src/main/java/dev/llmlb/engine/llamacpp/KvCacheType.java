package dev.llmlb.engine.llamacpp;

import de.kherud.llama.args.CacheType;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What llama.cpp stores keys and values as ({@code LLMLB_LLAMACPP_KV_CACHE_TYPE}). F16 is llama.cpp's default; F32
 * doubles the memory and matches an F32 reference more closely. Quantized caches are not offered: llama.cpp
 * quantizes values only with flash attention.
 */
enum KvCacheType {
    F16(CacheType.F16, 2), F32(CacheType.F32, 4), BF16(CacheType.BF16, 2);

    final CacheType nativeType;
    final int bytesPerValue;

    KvCacheType(CacheType nativeType, int bytesPerValue) {
        this.nativeType = nativeType;
        this.bytesPerValue = bytesPerValue;
    }

    static KvCacheType parse(String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("LLMLB_LLAMACPP_KV_CACHE_TYPE must be one of "
                    + Arrays.stream(values()).map(v -> v.name().toLowerCase(Locale.ROOT))
                    .collect(Collectors.joining(", ")) + ": '" + value + "'");
        }
    }
}
