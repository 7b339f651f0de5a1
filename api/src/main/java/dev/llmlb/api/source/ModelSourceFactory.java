package dev.llmlb.api.source;

import dev.llmlb.api.PluginContext;

/**
 * The service a source plugin provides through {@link java.util.ServiceLoader}.
 */
public interface ModelSourceFactory {

    /** The {@code source} value this plugin handles, e.g. {@code hf_gguf}; unique on a node. */
    String name();

    /** Creates the source; called once when the node starts. */
    ModelSource create(PluginContext context);
}
