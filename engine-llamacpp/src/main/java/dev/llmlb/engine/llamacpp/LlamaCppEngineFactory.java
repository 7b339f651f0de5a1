package dev.llmlb.engine.llamacpp;

import dev.llmlb.api.PluginContext;
import dev.llmlb.api.engine.InferenceEngine;
import dev.llmlb.api.engine.InferenceEngineFactory;
import dev.llmlb.api.source.ModelFormats;

import java.util.Set;

/**
 * The {@code llamacpp} engine: GGUF models on llama.cpp (java-llama.cpp 4.2.0, llama.cpp b4916).
 *
 * <p>Settings: {@code LLMLB_LLAMACPP_MAX_CONTEXT}, {@code LLMLB_LLAMACPP_GPU_LAYERS},
 * {@code LLMLB_LLAMACPP_LIB_PATH}, {@code LLMLB_LLAMACPP_NATIVE_LOG} (see {@link EngineSettings}). The native library
 * is loaded on the first model load, not here.
 */
public final class LlamaCppEngineFactory implements InferenceEngineFactory {

    public static final String NAME = "llamacpp";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<String> formats() {
        return Set.of(ModelFormats.GGUF);
    }

    @Override
    public InferenceEngine create(PluginContext context) {
        return new LlamaCppEngine(EngineSettings.from(context));
    }
}
