package dev.llmlb.engine.onnx;

import ai.onnxruntime.OrtEnvironment;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Removes the native libraries ONNX Runtime extracted into a temporary folder. ONNX Runtime only marks them
 * {@code deleteOnExit}, which never runs when the node halts at shutdown (it halts so as not to wait for engines'
 * native threads): every start would leave 28 MB (the CPU build) to several hundred MB (the CUDA provider) in
 * {@code /tmp}. Once loaded, the files are no longer needed where the system keeps mapped files alive (Linux,
 * macOS); elsewhere deleting fails and ONNX Runtime's own clean-up stays in charge.
 *
 * <p>The folder is a private field of ONNX Runtime's loader, read by reflection (its automatic module is open).
 * When a release renames it, nothing is deleted, and {@code ExtractedLibrariesTest} fails as a reminder.
 */
final class ExtractedLibraries {

    private ExtractedLibraries() {
    }

    /** ONNX Runtime's extraction folder, or null when it has none or it cannot be read. */
    static Path directory() {
        try {
            Class<?> loader = Class.forName("ai.onnxruntime.OnnxRuntime", false,
                    OrtEnvironment.class.getClassLoader());
            Field field = loader.getDeclaredField("tempDirectory");
            field.setAccessible(true);
            return field.get(null) instanceof Path path ? path : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** Deletes the extracted files; the folder stays for libraries ONNX Runtime may extract later (providers). */
    static void delete() {
        Path dir = directory();
        if (dir == null || !Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> files = Files.list(dir)) {
            files.filter(Files::isRegularFile).forEach(ExtractedLibraries::deleteQuietly);
        } catch (IOException e) {
            // Left to ONNX Runtime's deleteOnExit.
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // A system that locks loaded libraries; left to ONNX Runtime's deleteOnExit.
        }
    }
}
