package org.example.mirror;

import dev.llmlb.api.PluginContext;
import dev.llmlb.api.source.ModelSource;
import dev.llmlb.api.source.ModelSourceFactory;

/** Provides the {@code http_mirror} source. */
public final class HttpMirrorSourceFactory implements ModelSourceFactory {

    @Override
    public String name() {
        return "http_mirror";
    }

    @Override
    public ModelSource create(PluginContext context) {
        return new HttpMirrorSource(context.setting(HttpMirrorSource.TOKEN_SETTING));
    }
}
