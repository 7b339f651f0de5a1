package dev.llmlb.engine.llamacpp;

import dev.llmlb.api.PluginContext;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The operator's settings for this engine, read once from the node's environment.
 *
 * @param maxContext    the context a model gets when the host asks for the model's own: its trained length capped to
 *                      this ({@code LLMLB_LLAMACPP_MAX_CONTEXT}, default 4096), so a 128K-context model does not
 *                      allocate a 128K KV cache by default
 * @param gpuLayers     layers to offload when the host asks for a GPU, overriding the host's value
 *                      ({@code LLMLB_LLAMACPP_GPU_LAYERS}, -1 for all)
 * @param libraryPath   a folder holding a {@code libjllama} built with GPU support ({@code LLMLB_LLAMACPP_LIB_PATH});
 *                      the bundled Linux and Windows natives are CPU-only
 * @param nativeLog     let llama.cpp write its own log to stderr ({@code LLMLB_LLAMACPP_NATIVE_LOG=true}); off by
 *                      default because it bypasses the node's logging and prints several lines per request
 * @param kvCache       the KV cache type ({@code LLMLB_LLAMACPP_KV_CACHE_TYPE}: f16, f32 or bf16); empty for
 *                      {@code auto}, the default (see {@link KvCacheType#resolve})
 * @param flashAttention whether llama.cpp uses flash attention ({@code LLMLB_LLAMACPP_FLASH_ATTENTION}: true or
 *                      false); empty for {@code auto}, the default (see {@link FlashAttention})
 */
record EngineSettings(int maxContext, OptionalInt gpuLayers, Optional<Path> libraryPath, boolean nativeLog,
                      Optional<KvCacheType> kvCache, Optional<Boolean> flashAttention) {

    static final int DEFAULT_MAX_CONTEXT = 4096;

    EngineSettings {
        if (maxContext < 1) {
            throw new IllegalArgumentException("LLMLB_LLAMACPP_MAX_CONTEXT must be >= 1: " + maxContext);
        }
    }

    static EngineSettings from(PluginContext context) {
        int maxContext = context.setting("LLMLB_LLAMACPP_MAX_CONTEXT")
                .map(v -> parseInt("LLMLB_LLAMACPP_MAX_CONTEXT", v)).orElse(DEFAULT_MAX_CONTEXT);
        OptionalInt gpuLayers = context.setting("LLMLB_LLAMACPP_GPU_LAYERS")
                .map(v -> OptionalInt.of(parseInt("LLMLB_LLAMACPP_GPU_LAYERS", v))).orElse(OptionalInt.empty());
        Optional<Path> lib = context.setting("LLMLB_LLAMACPP_LIB_PATH").filter(v -> !v.isBlank()).map(Path::of);
        boolean nativeLog = context.setting("LLMLB_LLAMACPP_NATIVE_LOG")
                .map(v -> parseBoolean("LLMLB_LLAMACPP_NATIVE_LOG", v)).orElse(false);
        Optional<KvCacheType> kvCache = context.setting("LLMLB_LLAMACPP_KV_CACHE_TYPE").flatMap(KvCacheType::parse);
        Optional<Boolean> flashAttention = context.setting("LLMLB_LLAMACPP_FLASH_ATTENTION")
                .filter(v -> !v.isBlank() && !v.trim().equalsIgnoreCase("auto"))
                .map(v -> parseBoolean("LLMLB_LLAMACPP_FLASH_ATTENTION", v));
        return new EngineSettings(maxContext, gpuLayers, lib, nativeLog, kvCache, flashAttention);
    }

    private static int parseInt(String key, String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be an integer: '" + value + "'");
        }
    }

    private static boolean parseBoolean(String key, String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes", "on" -> true;
            case "false", "0", "no", "off", "" -> false;
            default -> throw new IllegalArgumentException(key + " must be true or false: '" + value + "'");
        };
    }
}
