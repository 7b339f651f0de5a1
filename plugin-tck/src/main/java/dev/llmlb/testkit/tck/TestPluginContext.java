package dev.llmlb.testkit.tck;

import dev.llmlb.api.PluginContext;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The {@link PluginContext} a test gives a plugin: the settings it names, a home folder, and no GPU unless asked.
 *
 * @param settings what {@link #setting} answers
 * @param homeDirectory the node home the plugin may keep caches in
 * @param gpuAvailable whether the plugin is told the node has GPUs
 */
public record TestPluginContext(Map<String, String> settings, Path homeDirectory, boolean gpuAvailable)
        implements PluginContext {

    public TestPluginContext {
        settings = Map.copyOf(settings);
    }

    /** No settings, no GPU. */
    public static TestPluginContext in(Path home) {
        return new TestPluginContext(Map.of(), home, false);
    }

    @Override
    public Optional<String> setting(String key) {
        return Optional.ofNullable(settings.get(key));
    }
}
