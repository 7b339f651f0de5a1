package dev.llmlb.source.onnx;

import dev.llmlb.api.PluginContext;
import dev.llmlb.api.source.ModelSource;
import dev.llmlb.api.source.ModelSourceFactory;
import dev.llmlb.source.hf.HubAccess;

/** Provides the {@code hf_onnx} source. */
public final class HfOnnxSourceFactory implements ModelSourceFactory {

    /** The {@code source} value this plugin handles. */
    public static final String NAME = "hf_onnx";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ModelSource create(PluginContext context) {
        return new HfOnnxSource(HubAccess.from(context));
    }
}
