package dev.llmlb.source.gguf;

import dev.llmlb.api.PluginContext;
import dev.llmlb.api.source.ModelSource;
import dev.llmlb.api.source.ModelSourceFactory;
import dev.llmlb.source.hf.HubAccess;

/** Provides the {@code hf_gguf} source. */
public final class HfGgufSourceFactory implements ModelSourceFactory {

    /** The {@code source} value this plugin handles. */
    public static final String NAME = "hf_gguf";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ModelSource create(PluginContext context) {
        return new HfGgufSource(HubAccess.from(context));
    }
}
