package dev.llmlb.engine.onnx;

import ai.onnxruntime.OrtEnvironment;
import dev.llmlb.api.engine.EngineException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Keeps ONNX Runtime from taking the whole node down. ONNX Runtime 1.29.0 on Linux crashes the JVM (SIGSEGV while
 * creating its environment) when the process's command line, {@code /proc/self/cmdline}, is 3981 bytes or longer:
 * measured here with the linux-x64 build, whatever the arguments are and however large the environment is. A long
 * {@code -cp} or {@code LLMLB_JAVA_OPTS} does it. Refusing the model with a message is better than a dead node.
 */
final class CommandLineGuard {

    /** The longest command line ONNX Runtime 1.29.0 survived. */
    static final int LONGEST_SAFE = 3980;

    private static final Path CMDLINE = Path.of("/proc/self/cmdline");

    private CommandLineGuard() {
    }

    /** @throws EngineException when loading ONNX Runtime in this process would crash it */
    static void check() {
        if (!Files.isReadable(CMDLINE)) {
            return;
        }
        try {
            long length = Files.readAllBytes(CMDLINE).length;
            problem(length, runtimeVersion()).ifPresent(message -> {
                throw new EngineException(message);
            });
        } catch (IOException e) {
            // Cannot tell; go ahead as ONNX Runtime would.
        }
    }

    /**
     * The ONNX Runtime jar's version without loading its natives: an automatic module's version comes from the jar's
     * file name ({@code onnxruntime-1.29.0.jar}, {@code onnxruntime_gpu-1.29.0.jar}); on the class path, from its
     * manifest. Null when neither says.
     */
    static String runtimeVersion() {
        Module module = OrtEnvironment.class.getModule();
        if (module.isNamed() && module.getDescriptor() != null) {
            Optional<String> version = module.getDescriptor().rawVersion();
            if (version.isPresent()) {
                return version.get();
            }
        }
        return OrtEnvironment.class.getPackage().getImplementationVersion();
    }

    /** Why a command line of {@code length} bytes is refused with ONNX Runtime {@code version} (null: unknown). */
    static Optional<String> problem(long length, String version) {
        boolean affected = version == null || version.startsWith("1.29.");
        if (!affected || length <= LONGEST_SAFE) {
            return Optional.empty();
        }
        return Optional.of("this node's Java command line is " + length + " bytes; ONNX Runtime "
                + (version == null ? "1.29" : version) + " crashes the JVM when it is longer than " + LONGEST_SAFE
                + ", so the onnx engine does not start it: shorten LLMLB_JAVA_OPTS, or pass long options in an "
                + "@argfile or the class path in CLASSPATH");
    }
}
