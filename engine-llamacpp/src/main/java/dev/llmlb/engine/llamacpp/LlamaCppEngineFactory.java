package dev.llmlb.engine.llamacpp;

import dev.llmlb.api.PluginContext;
import dev.llmlb.api.engine.InferenceEngine;
import dev.llmlb.api.engine.InferenceEngineFactory;
import dev.llmlb.api.source.ModelFormats;

import java.util.Set;

/**
 * Provides the {@code llamacpp} engine. Settings: {@code LLMLB_LLAMACPP_MAX_CONTEXT} (the context allocated when
 * the node does not set one, default 4096, never more than the model's own) and
 * {@code LLMLB_LLAMACPP_NATIVE_LOG} ({@code off}, the default, sends llama.cpp's own log to the node's debug log;
 * {@code on} leaves it on stderr).
 */
public final class LlamaCppEngineFactory implements InferenceEngineFactory {

    @Override
    public String name() {
        return "llamacpp";
    }

    @Override
    public Set<String> formats() {
        return Set.of(ModelFormats.GGUF);
    }

    @Override
    public InferenceEngine create(PluginContext context) {
        int maxContext = context.setting("LLMLB_LLAMACPP_MAX_CONTEXT").map(Integer::parseInt).orElse(4096);
        boolean nativeLog = context.setting("LLMLB_LLAMACPP_NATIVE_LOG").map(v -> v.equalsIgnoreCase("on"))
                .orElse(false);
        return new LlamaCppEngine(maxContext, nativeLog);
    }
}
