package dev.llmlb.api.engine;

import dev.llmlb.api.PluginContext;

import java.util.Set;

/**
 * The service an engine plugin provides through {@link java.util.ServiceLoader}.
 */
public interface InferenceEngineFactory {

    /** The engine's name, e.g. {@code llamacpp}; unique on a node. */
    String name();

    /** The model formats the engine runs, e.g. {@code gguf}. */
    Set<String> formats();

    /** Creates the engine; called once when the node starts. Native libraries may be loaded lazily later. */
    InferenceEngine create(PluginContext context);
}
