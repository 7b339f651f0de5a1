package dev.llmlb.source.hf;

import dev.llmlb.api.source.PlanningException;
import dev.llmlb.testkit.source.HubTreeJson;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RepoTreeTest {

    private static final String SHA = "6f85a640a97cf2bf5b8e764087b1e83da0fdb51d7c9fab7d0fece9385611df83";

    /** The shape the hub answers, extra fields included. */
    private static final String HUB_LISTING = """
            [
              {"type":"file","oid":"a6344aac8c09253b3b630fb776ae94478aa0275b","size":1519,"path":".gitattributes"},
              {"type":"directory","oid":"3f1e0f8a0d2f7d1c4e1e2a1b5a3c7d9e8f0a1b2c","size":0,"path":"onnx"},
              {"type":"file","oid":"b0b6f1dbb1e3c0d1a7e5f8c2d4a6b8c0e2f4a6b8","size":807694464,
               "lfs":{"oid":"%s","size":807694464,"pointerSize":135},
               "xetHash":"0123", "lastCommit":{"id":"abc","title":"upload","date":"2024-09-25T00:00:00.000Z"},
               "path":"Llama-3.2-1B-Instruct-Q4_K_M.gguf"},
              {"type":"file","oid":"c1c2c3c4c5c6c7c8c9c0d1d2d3d4d5d6d7d8d9d0","size":42,"path":"onnx/config.json"}
            ]
            """.formatted(SHA);

    @Test
    void readsFilesWithTheirSizesAndLfsHashes() {
        RepoTree tree = RepoTree.parse(HUB_LISTING, "repository o/n");

        assertEquals(List.of(".gitattributes", "Llama-3.2-1B-Instruct-Q4_K_M.gguf", "onnx/config.json"),
                tree.files().stream().map(TreeEntry::path).toList());
        TreeEntry gguf = tree.file("Llama-3.2-1B-Instruct-Q4_K_M.gguf").orElseThrow();
        assertEquals(807694464L, gguf.sizeBytes());
        assertEquals(Optional.of(SHA), gguf.sha256());
        TreeEntry small = tree.file("onnx/config.json").orElseThrow();
        assertEquals(42, small.sizeBytes());
        assertEquals(Optional.empty(), small.sha256(), "a git blob oid is a SHA-1, never a content SHA-256");
        assertEquals("config.json", small.fileName());
    }

    @Test
    void listsNoDirectories() {
        RepoTree tree = RepoTree.parse(HUB_LISTING, "repository o/n");
        assertFalse(tree.contains("onnx"));
        assertTrue(tree.contains("onnx/config.json"));
    }

    @Test
    void readsTheListingTheTestkitWrites() {
        String json = new HubTreeJson().file("config.json", 10).lfs("model.safetensors", 1000).directory("x")
                .toJson();
        RepoTree tree = RepoTree.parse(json, "repository o/n");
        assertEquals(2, tree.files().size());
        assertEquals(Optional.of(HubTreeJson.sha256Of("model.safetensors")),
                tree.file("model.safetensors").orElseThrow().sha256());
    }

    @Test
    void ignoresAnLfsOidThatIsNotASha256() {
        String json = "[{\"type\":\"file\",\"oid\":\"x\",\"size\":5,\"lfs\":{\"oid\":\"not-a-hash\",\"size\":5},"
                + "\"path\":\"a.bin\"}]";
        assertEquals(Optional.empty(), RepoTree.parse(json, "repository o/n").file("a.bin").orElseThrow().sha256());
    }

    @Test
    void refusesTheWholeListingWhenAnEntryClimbsOutOfTheFolder() {
        String json = new HubTreeJson().file("config.json", 10).lfs("../../.bashrc", 10).toJson();
        PlanningException e = assertThrows(PlanningException.class, () -> RepoTree.parse(json, "repository o/n"));
        assertEquals("Refusing the unsafe path '../../.bashrc' from the file listing of repository o/n: it climbs "
                + "out of its folder with '..'.", e.getMessage());
    }

    @Test
    void refusesAbsoluteAndBackslashPathsInAListing() {
        assertThrows(PlanningException.class,
                () -> RepoTree.parse(new HubTreeJson().file("/etc/passwd", 1).toJson(), "repository o/n"));
        PlanningException e = assertThrows(PlanningException.class,
                () -> RepoTree.parse(new HubTreeJson().file("..\\..\\evil.dll", 1).toJson(), "repository o/n"));
        assertTrue(e.getMessage().contains("'..\\..\\evil.dll'"), e.getMessage());
    }

    @Test
    void explainsAnswersThatAreNotAListing() {
        PlanningException notArray = assertThrows(PlanningException.class,
                () -> RepoTree.parse("{\"error\":\"Repository not found\"}", "repository o/n"));
        assertEquals("The hub answered the file listing of repository o/n with something other than a JSON array.",
                notArray.getMessage());
        PlanningException badJson = assertThrows(PlanningException.class,
                () -> RepoTree.parse("<html>", "repository o/n"));
        assertTrue(badJson.getMessage().startsWith("The hub answered the file listing of repository o/n with "
                + "invalid JSON"), badJson.getMessage());
        assertThrows(PlanningException.class, () -> RepoTree.parse("[{\"type\":\"file\"}]", "repository o/n"));
    }
}
