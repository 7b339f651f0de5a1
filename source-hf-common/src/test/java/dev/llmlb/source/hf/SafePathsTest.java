package dev.llmlb.source.hf;

import dev.llmlb.api.source.PlanningException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafePathsTest {

    @ParameterizedTest
    @ValueSource(strings = {"config.json", "onnx/model.onnx", "a/b/c/d.safetensors", "..hidden", "a..b/c", "x.."})
    void acceptsRelativePathsInsideTheFolder(String path) {
        assertTrue(SafePaths.isSafe(path), path);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "../evil.gguf|climbs out of its folder with '..'",
            "onnx/../../etc/passwd|climbs out of its folder with '..'",
            "a/..|climbs out of its folder with '..'",
            "/etc/passwd|is absolute",
            "a\\b.gguf|contains a backslash",
            "..\\evil|contains a backslash",
            "a//b|has an empty segment",
            "a/|has an empty segment",
            "./a|has a '.' segment",
            "C:/Windows/x|starts with a drive letter",
            "C:evil|starts with a drive letter",
    })
    void refusesPathsThatCouldLeaveTheFolder(String path, String problem) {
        assertEquals(Optional.of(problem), SafePaths.problem(path));
    }

    @Test
    void refusesEmptyOverlongAndControlCharacterPaths() {
        assertEquals(Optional.of("is empty"), SafePaths.problem(""));
        assertEquals(Optional.of("is empty"), SafePaths.problem(null));
        assertEquals(Optional.of("is longer than 1024 characters"), SafePaths.problem("a".repeat(1025)));
        assertEquals(Optional.of("contains a control character"), SafePaths.problem("a\u0000b"));
    }

    @Test
    void requireSafeNamesThePathAndItsOrigin() {
        PlanningException e = assertThrows(PlanningException.class,
                () -> SafePaths.requireSafe("../x", "the file listing of repository o/n"));
        assertEquals("Refusing the unsafe path '../x' from the file listing of repository o/n: it climbs out of "
                + "its folder with '..'.", e.getMessage());
        assertEquals("download_failed", e.code());
        assertEquals("ok/x", SafePaths.requireSafe("ok/x", "anywhere"));
    }
}
