package dev.llmlb.api.source;

import dev.llmlb.api.ArtifactSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafePathTest {

    @ParameterizedTest
    @ValueSource(strings = {"config.json", "onnx/model.onnx", "a/b/c/d.safetensors", "..hidden", "a..b/c", "x..",
            "sub/manifest.json", "manifest.json.bak", "a/.partial/x", ".partially", "ok:colon", "日本語.gguf"})
    void acceptsRelativePathsInsideTheFolder(String path) {
        assertTrue(SafePath.isSafe(path), path);
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
            "manifest.json|is the node's own manifest.json",
            ".partial/x.part|is under the node's own .partial/ folder",
            ".partial|is under the node's own .partial/ folder",
    })
    void refusesPathsThatCouldLeaveTheFolderOrHitTheNodesOwnFiles(String path, String problem) {
        assertEquals(Optional.of(problem), SafePath.problem(path));
    }

    @Test
    void refusesEmptyOverlongAndControlCharacterPaths() {
        assertEquals(Optional.of("is empty"), SafePath.problem(""));
        assertEquals(Optional.of("is empty"), SafePath.problem(null));
        assertEquals(Optional.of("is longer than 1024 characters"), SafePath.problem("a/".repeat(512) + "b"));
        assertEquals(Optional.of("has a name longer than 255 bytes"), SafePath.problem("d/" + "é".repeat(128)));
        assertEquals(Optional.of("contains a control character"), SafePath.problem("a\u0000b"));
        assertEquals(Optional.of("contains a control character"), SafePath.problem("a\nb.gguf"));
        assertEquals(Optional.of("contains a control character"), SafePath.problem("a\u007fb"));
    }

    @Test
    void requireFromNamesThePathAndItsOrigin() {
        PlanningException e = assertThrows(PlanningException.class,
                () -> SafePath.requireFrom("../x", "the file listing of repository o/n"));
        assertEquals("Refusing the unsafe path '../x' from the file listing of repository o/n: it climbs out of "
                + "its folder with '..'.", e.getMessage());
        assertEquals("download_failed", e.code());
        assertEquals("ok/x", SafePath.requireFrom("ok/x", "anywhere"));
        assertEquals("unsafe path 'a\\u000ab': it contains a control character",
                assertThrows(IllegalArgumentException.class, () -> SafePath.require("a\nb")).getMessage());
    }

    @Test
    void modelIdsAreFolderNamesThatCannotBeTheLocksFolder() {
        assertEquals(Optional.empty(), SafePath.modelIdProblem("llama-3.2-1b"));
        assertEquals(Optional.of("is the node's own .locks folder"), SafePath.modelIdProblem(".locks"));
        assertEquals(Optional.of("must not be '.' or '..'"), SafePath.modelIdProblem(".."));
        assertEquals(Optional.of("must match [A-Za-z0-9._-]{1,128}"), SafePath.modelIdProblem("a/b"));
        assertEquals(Optional.of("must match [A-Za-z0-9._-]{1,128}"), SafePath.modelIdProblem("x".repeat(129)));
    }

    @Test
    void remoteFilesAndArtifactsCannotBeMadeWithAnUnsafePath() {
        URI uri = URI.create("https://hub.test/f");
        assertThrows(IllegalArgumentException.class, () -> new RemoteFile("../x", uri, 1, Optional.empty()));
        assertThrows(IllegalArgumentException.class, () -> new RemoteFile("manifest.json", uri, 1, Optional.empty()));
        assertThrows(IllegalArgumentException.class, () -> new ArtifactSpec(".partial/a", 1));
        assertThrows(IllegalArgumentException.class, () -> new ArtifactSpec("C:x", 1));
    }
}
