package dev.llmlb.engine.djl;

import dev.llmlb.api.PluginContext;
import dev.llmlb.api.engine.InferenceEngine;
import dev.llmlb.api.engine.InferenceEngineFactory;
import dev.llmlb.api.source.ModelFormats;
import dev.llmlb.engine.hf.DjlRuntime;

import java.nio.file.Path;
import java.util.Set;

/**
 * Provides the {@code djl} engine. Creating it loads no native code: PyTorch starts with the first model.
 *
 * <p>Settings: {@code LLMLB_DJL_MAX_CONTEXT} (the context allocated when the node does not set one, default 4096,
 * never more than the model's own) and {@code LLMLB_DJL_CACHE_DIR} (where DJL extracts libtorch, about 432 MB, once;
 * default {@code <node home>/cache/djl}; an operator's {@code DJL_CACHE_DIR} environment variable wins). DJL runs
 * offline: it never downloads natives and sends no telemetry.
 */
public final class DjlEngineFactory implements InferenceEngineFactory {

    @Override
    public String name() {
        return "djl";
    }

    @Override
    public Set<String> formats() {
        return Set.of(ModelFormats.SAFETENSORS);
    }

    @Override
    public InferenceEngine create(PluginContext context) {
        Path cache = context.setting("LLMLB_DJL_CACHE_DIR").map(Path::of)
                .orElse(context.homeDirectory().resolve("cache").resolve("djl"));
        DjlRuntime.configure(cache);
        int maxContext = context.setting("LLMLB_DJL_MAX_CONTEXT").map(Integer::parseInt).orElse(4096);
        return new DjlEngine(maxContext);
    }
}
