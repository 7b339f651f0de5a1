package dev.llmlb.engine.onnx;

import dev.llmlb.api.PluginContext;
import dev.llmlb.api.engine.InferenceEngine;
import dev.llmlb.api.engine.InferenceEngineFactory;
import dev.llmlb.api.source.ModelFormats;
import dev.llmlb.engine.hf.DjlRuntime;

import java.nio.file.Path;
import java.util.Set;

/**
 * Provides the {@code onnx} engine. Creating it loads no native code: ONNX Runtime starts with the first model.
 *
 * <p>Settings: those of {@link OnnxOptions} ({@code LLMLB_ONNX_*}), and {@code LLMLB_DJL_CACHE_DIR}, where DJL's
 * tokenizers extract their native library once (default {@code <node home>/cache/djl}, shared with engine-djl;
 * an operator's {@code DJL_CACHE_DIR} environment variable wins).
 */
public final class OnnxEngineFactory implements InferenceEngineFactory {

    public static final String NAME = "onnx";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<String> formats() {
        return Set.of(ModelFormats.ONNX);
    }

    /**
     * @throws dev.llmlb.api.engine.EngineException when a setting has a value the engine does not understand
     */
    @Override
    public InferenceEngine create(PluginContext context) {
        OnnxOptions options = OnnxOptions.from(context);
        DjlRuntime.configure(context.setting("LLMLB_DJL_CACHE_DIR").map(Path::of)
                .orElse(context.homeDirectory().resolve("cache").resolve("djl")));
        return new OnnxEngine(options);
    }
}
