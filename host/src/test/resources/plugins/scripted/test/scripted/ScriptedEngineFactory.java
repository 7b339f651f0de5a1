package test.scripted;

import dev.llmlb.api.PluginContext;
import dev.llmlb.api.engine.InferenceEngine;
import dev.llmlb.api.engine.InferenceEngineFactory;
import dev.llmlb.api.engine.LoadOptions;
import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.LocalModel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Set;

/**
 * Engine {@code scripted}. Settings: {@code TEST_TOKEN_DELAY_MS} (pause per token), {@code TEST_CONTEXT} (context
 * length, default 64), {@code TEST_MODEL_BYTES} (memory each model reports). Runs as many sequences at once as the
 * host asks for.
 */
public final class ScriptedEngineFactory implements InferenceEngineFactory {

    @Override
    public String name() {
        return "scripted";
    }

    @Override
    public Set<String> formats() {
        return Set.of("scripted");
    }

    @Override
    public InferenceEngine create(PluginContext context) {
        long delay = context.setting("TEST_TOKEN_DELAY_MS").map(Long::parseLong).orElse(0L);
        int contextLength = context.setting("TEST_CONTEXT").map(Integer::parseInt).orElse(64);
        long bytes = context.setting("TEST_MODEL_BYTES").map(Long::parseLong).orElse(1000L);
        return new InferenceEngine() {
            @Override
            public long estimateMemoryBytes(LocalModel model, LoadOptions options) {
                return bytes;
            }

            @Override
            public LoadedModel load(LocalModel model, LoadOptions options) {
                try {
                    String script = Files.readString(model.entryFile());
                    return new ScriptedModel(script, delay, contextLength, bytes, options.parallelSequences());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
    }
}
