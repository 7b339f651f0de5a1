package dev.llmlb.source.safetensors;

import dev.llmlb.api.PluginContext;
import dev.llmlb.api.source.ModelSource;
import dev.llmlb.api.source.ModelSourceFactory;
import dev.llmlb.source.hf.HubAccess;

/** Provides the {@code hf_safetensors} source. */
public final class HfSafetensorsSourceFactory implements ModelSourceFactory {

    /** The {@code source} value this plugin handles. */
    public static final String NAME = "hf_safetensors";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ModelSource create(PluginContext context) {
        return new HfSafetensorsSource(HubAccess.from(context));
    }
}
