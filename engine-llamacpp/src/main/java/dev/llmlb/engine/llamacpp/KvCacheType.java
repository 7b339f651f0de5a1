package dev.llmlb.engine.llamacpp;

import de.kherud.llama.args.CacheType;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What llama.cpp stores keys and values as ({@code LLMLB_LLAMACPP_KV_CACHE_TYPE}). F16 is llama.cpp's default; F32
 * doubles the memory and matches an F32 reference more closely. Quantized caches are not offered: llama.cpp
 * quantizes values only with flash attention.
 *
 * <p>Unset ({@code auto}), a model whose weights are all F32 gets an F32 cache and any other model F16. Why, measured
 * with llama.cpp b4916 on generated models, 2 threads, 4 slots: ggml computes a matrix product for one token with
 * its own dot products and for two or more with llamafile's tinyBLAS, which sum in another order, so a sequence's
 * values move in the last bits when other sequences share its decoding step. With F32 weights and an F32 cache
 * nothing rounds those bits away and on again: the tokens never changed (0 of 460 concurrent runs of 48 to 128
 * tokens). With an F16 cache, keys and values rounded to 16 bits turn a last-bit difference into a 16-bit one now
 * and then: 10-14% of seeded runs and up to 1% of greedy runs changed. F16 or quantized weights round the
 * activations themselves (Q8_0: 4% of greedy and 25% of seeded runs changed even with an F32 cache), so an F32 cache
 * would only cost memory there.
 */
enum KvCacheType {
    F16(CacheType.F16, 2), F32(CacheType.F32, 4), BF16(CacheType.BF16, 2);

    final CacheType nativeType;
    final int bytesPerValue;

    KvCacheType(CacheType nativeType, int bytesPerValue) {
        this.nativeType = nativeType;
        this.bytesPerValue = bytesPerValue;
    }

    /** The type for a model: the operator's choice, else F32 for all-F32 weights and F16 for any other. */
    static KvCacheType resolve(Optional<KvCacheType> chosen, boolean allF32Weights) {
        return chosen.orElse(allF32Weights ? F32 : F16);
    }

    /** A setting's value; empty for {@code auto}. */
    static Optional<KvCacheType> parse(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.isEmpty() || v.equals("auto")) {
            return Optional.empty();
        }
        try {
            return Optional.of(valueOf(v.toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("LLMLB_LLAMACPP_KV_CACHE_TYPE must be auto or one of "
                    + Arrays.stream(values()).map(t -> t.name().toLowerCase(Locale.ROOT))
                    .collect(Collectors.joining(", ")) + ": '" + value + "'");
        }
    }
}
