package dev.llmlb.api;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What the host offers a plugin when it creates it.
 */
public interface PluginContext {

    /**
     * A setting from the node's environment, {@code .env} filling what the environment leaves unset,
     * e.g. {@code LLMLB_LLAMACPP_GPU_LAYERS}. Plugins should prefix their own settings with {@code LLMLB_}
     * and their name.
     */
    Optional<String> setting(String key);

    /** The node's home folder ({@code ~/.llmlb} unless overridden), for caches a plugin may keep. */
    Path homeDirectory();

    /** Whether GPUs were detected on this node (the host looks, for example with {@code nvidia-smi}). */
    boolean gpuAvailable();
}
