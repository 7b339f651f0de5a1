package dev.llmlb.engine.llamacpp;

import dev.llmlb.api.engine.EngineException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Loads java-llama.cpp's native library, once per process.
 *
 * <p>java-llama.cpp extracts its library into {@code de.kherud.llama.tmpdir} (default: {@code java.io.tmpdir}) and,
 * before that, deletes every file there whose name starts with {@code llama} or {@code jllama}: in {@code /tmp} that
 * could be someone's {@code llama-2-7b.gguf}, and two nodes would delete each other's library. So unless the
 * operator set it, the property points at a folder of this process's own. The library is process-wide, which is why
 * this works through system properties; they are only set when absent.
 */
final class NativeLibrary {

    static final String LIB_PATH = "de.kherud.llama.lib.path";
    static final String TMP_DIR = "de.kherud.llama.tmpdir";

    private NativeLibrary() {
    }

    static void load(EngineSettings settings) {
        synchronized (NativeLibrary.class) {
            if (settings.libraryPath().isPresent() && System.getProperty(LIB_PATH) == null) {
                System.setProperty(LIB_PATH, settings.libraryPath().get().toAbsolutePath().toString());
            }
            if (System.getProperty(TMP_DIR) == null) {
                try {
                    Path dir = Files.createTempDirectory("llmlb-jllama-");
                    dir.toFile().deleteOnExit();
                    System.setProperty(TMP_DIR, dir.toString());
                } catch (IOException e) {
                    throw new EngineException("cannot create a folder for llama.cpp's native library: "
                            + e.getMessage(), e);
                }
            }
        }
        try {
            Class.forName("de.kherud.llama.LlamaModel", true, NativeLibrary.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new EngineException("llama.cpp's native library cannot be loaded on " + System.getProperty("os.name")
                    + "/" + System.getProperty("os.arch") + ": " + rootMessage(e), e);
        }
    }

    /**
     * Whether the library in use can offload to a GPU: a custom build named by {@code de.kherud.llama.lib.path} may;
     * of the bundled ones only macOS's (Metal) can.
     */
    static boolean gpuCapable() {
        return System.getProperty(LIB_PATH) != null || isMac();
    }

    /** The name of the accelerator a GPU-capable library uses, for {@code ModelInfo.device}. */
    static String gpuDeviceName() {
        return System.getProperty(LIB_PATH) == null && isMac() ? "metal" : "gpu";
    }

    private static boolean isMac() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("mac");
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.toString() : root.getMessage();
    }
}
