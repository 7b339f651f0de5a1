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
 *
 * <p>Once loaded, the extracted library (5.4 MB) is deleted, and the folder with it when it is this process's own:
 * java-llama.cpp only marks it {@code deleteOnExit}, which never runs when the node halts at shutdown (it halts
 * because java-llama.cpp's native threads would keep the JVM alive), so every start left a
 * {@code /tmp/llmlb-jllama-*} folder behind. A loaded library needs no file where the system keeps mapped files
 * alive (Linux, macOS); where deleting a loaded library fails (Windows), it stays for java-llama.cpp's own clean-up at
 * the next start.
 */
final class NativeLibrary {

    static final String LIB_PATH = "de.kherud.llama.lib.path";
    static final String TMP_DIR = "de.kherud.llama.tmpdir";

    /** The folder this process made for the extraction; null when the operator chose one. */
    private static Path ownFolder;

    private NativeLibrary() {
    }

    /**
     * Loads the library into this class loader unless it is there already, then deletes the extracted copy. Under
     * one lock: another class loader (another plugin layer) extracts again into the folder made for it.
     */
    static synchronized void load(EngineSettings settings) {
        if (settings.libraryPath().isPresent() && System.getProperty(LIB_PATH) == null) {
            System.setProperty(LIB_PATH, settings.libraryPath().get().toAbsolutePath().toString());
        }
        try {
            if (System.getProperty(TMP_DIR) == null) {
                ownFolder = Files.createTempDirectory("llmlb-jllama-");
                System.setProperty(TMP_DIR, ownFolder.toString());
            } else if (ownFolder != null) {
                Files.createDirectories(ownFolder);
            }
        } catch (IOException e) {
            throw new EngineException("cannot create a folder for llama.cpp's native library: " + e.getMessage(), e);
        }
        try {
            Class.forName("de.kherud.llama.LlamaModel", true, NativeLibrary.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new EngineException("llama.cpp's native library cannot be loaded on " + System.getProperty("os.name")
                    + "/" + System.getProperty("os.arch") + ": " + rootMessage(e), e);
        } finally {
            deleteExtracted();
        }
    }

    /** Where java-llama.cpp extracts its library (it is loaded from there only when no other path has it). */
    static Path extractionFolder() {
        return Path.of(System.getProperty(TMP_DIR, System.getProperty("java.io.tmpdir")));
    }

    /** Deletes the extracted library, unless it is the operator's own build, and this process's folder. */
    private static void deleteExtracted() {
        Path folder = extractionFolder().toAbsolutePath().normalize();
        String custom = System.getProperty(LIB_PATH);
        if (custom == null || !Path.of(custom).toAbsolutePath().normalize().equals(folder)) {
            deleteQuietly(folder.resolve(System.mapLibraryName("jllama")));
        }
        if (ownFolder != null) {
            deleteQuietly(ownFolder); // only when empty: macOS keeps ggml-metal.metal there
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // A system that locks loaded libraries, or a folder not empty: left to java-llama.cpp's clean-up.
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
