package test.broken;

import dev.llmlb.api.PluginContext;
import dev.llmlb.api.source.ModelSource;
import dev.llmlb.api.source.ModelSourceFactory;

/** A plugin whose factory fails when the node creates it. */
public final class Factory implements ModelSourceFactory {
    @Override
    public String name() {
        return "broken";
    }

    @Override
    public ModelSource create(PluginContext context) {
        throw new IllegalStateException("cannot start: missing native library libbroken.so");
    }
}
