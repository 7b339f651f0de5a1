package org.example.javallama;

import dev.llmlb.api.PluginContext;
import dev.llmlb.api.engine.InferenceEngine;
import dev.llmlb.api.engine.InferenceEngineFactory;
import dev.llmlb.api.source.ModelFormats;

import java.util.Set;

/** Provides the {@code java_llama} engine: GGUF files of Llama models with F32 weights, run in plain Java. */
public final class JavaLlamaEngineFactory implements InferenceEngineFactory {

    @Override
    public String name() {
        return "java_llama";
    }

    @Override
    public Set<String> formats() {
        return Set.of(ModelFormats.GGUF);
    }

    @Override
    public InferenceEngine create(PluginContext context) {
        return new JavaLlamaEngine();
    }
}
