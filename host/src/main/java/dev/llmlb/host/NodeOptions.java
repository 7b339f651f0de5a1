package dev.llmlb.host;

import dev.llmlb.host.system.GpuProbe;
import dev.llmlb.host.system.NvidiaSmi;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * What a node is started from: its environment (the process's, or a test's), the user's home folder, the
 * distribution folder when started from one, and how GPUs are found.
 */
public record NodeOptions(Map<String, String> environment, Path userHome, Optional<Path> distDir, GpuProbe gpus) {

    public NodeOptions {
        environment = Map.copyOf(environment);
    }

    /** The running process: its environment, {@code user.home}, {@code llmlb.dist} and {@code nvidia-smi}. */
    public static NodeOptions fromProcess() {
        return new NodeOptions(System.getenv(), Path.of(System.getProperty("user.home")),
                Optional.ofNullable(System.getProperty("llmlb.dist")).map(Path::of), new NvidiaSmi());
    }

    /** For tests: exactly these settings, no dist folder, no GPU. */
    public static NodeOptions of(Map<String, String> environment, Path userHome) {
        return new NodeOptions(environment, userHome, Optional.empty(), GpuProbe.none());
    }

    public NodeOptions withGpus(GpuProbe probe) {
        return new NodeOptions(environment, userHome, distDir, probe);
    }
}
