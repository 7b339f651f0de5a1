package dev.llmlb.host;

import dev.llmlb.api.PluginContext;
import dev.llmlb.host.config.Settings;

import java.nio.file.Path;
import java.util.Optional;

/** What plugins see of the node: its settings, home and whether it has GPUs. */
record NodePluginContext(Settings settings, Path homeDirectory, boolean gpuAvailable) implements PluginContext {

    @Override
    public Optional<String> setting(String key) {
        return settings.get(key);
    }
}
