package dev.llmlb.source.gguf;

import dev.llmlb.api.ArtifactSpec;
import dev.llmlb.api.ModelSpec;
import dev.llmlb.api.source.ModelFormats;
import dev.llmlb.api.source.PlanningException;
import dev.llmlb.api.source.RemoteFile;
import dev.llmlb.testkit.hub.Content;
import dev.llmlb.testkit.hub.FakeHub;
import dev.llmlb.testkit.source.PlanRunner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HfGgufSourceTest {

    private final FakeHub hub = FakeHub.start();
    private final HfGgufSource source = new HfGgufSource();
    @TempDir
    Path folder;

    @AfterEach
    void stop() {
        hub.close();
    }

    private static ModelSpec spec(String repo, ArtifactSpec... artifacts) {
        return new ModelSpec("m", "m", "hf_gguf", repo, null, List.of(artifacts), 0, List.of());
    }

    private static byte[] bytes(int n) {
        return new byte[n];
    }

    @Test
    void listedArtifactsArePlannedExactlyWithTheOperatorsSizeAndChecksum() {
        byte[] q4 = bytes(1000);
        hub.repo("org/gguf").lfsFile("model-Q4_K_M.gguf", q4).lfsFile("model-Q8_0.gguf", bytes(2000));
        String sha = Content.of(q4).sha256();
        PlanRunner.Result result = new PlanRunner(hub.endpoint()).run(source,
                spec("org/gguf", new ArtifactSpec("model-Q4_K_M.gguf", 1000, Optional.of(sha))), folder);
        assertEquals(1, result.steps().size());
        RemoteFile file = result.steps().get(0).get(0);
        assertEquals("model-Q4_K_M.gguf", file.path());
        assertEquals(1000, file.sizeBytes());
        assertEquals(Optional.of(sha), file.sha256());
        assertEquals(hub.endpoint() + "/org/gguf/resolve/main/model-Q4_K_M.gguf", file.uri().toString());
        assertEquals(ModelFormats.GGUF, result.complete().format());
        assertEquals("model-Q4_K_M.gguf", result.complete().properties().get(ModelFormats.ENTRY_FILE));
        assertTrue(hub.requestLog().stream().noneMatch(r -> r.path().contains("/tree/")),
                "listed artifacts need no tree listing");
    }

    @Test
    void aListedSplitPartBringsTheWholeSet() {
        hub.repo("org/split")
                .lfsFile("big-Q4_K_M-00001-of-00003.gguf", bytes(300))
                .lfsFile("big-Q4_K_M-00002-of-00003.gguf", bytes(200))
                .lfsFile("big-Q4_K_M-00003-of-00003.gguf", bytes(100));
        PlanRunner.Result result = new PlanRunner(hub.endpoint()).run(source,
                spec("org/split", new ArtifactSpec("big-Q4_K_M-00001-of-00003.gguf", 300)), folder);
        assertEquals(List.of("big-Q4_K_M-00001-of-00003.gguf", "big-Q4_K_M-00002-of-00003.gguf",
                "big-Q4_K_M-00003-of-00003.gguf"), result.paths());
        assertEquals(200, result.steps().get(0).get(1).sizeBytes(), "unlisted parts take their size from the tree");
        assertEquals(Optional.of(Content.of(bytes(100)).sha256()), result.steps().get(0).get(2).sha256());
        assertEquals("big-Q4_K_M-00001-of-00003.gguf", result.complete().properties().get(ModelFormats.ENTRY_FILE));
    }

    @Test
    void withoutArtifactsTheTreeDecidesPreferringQ4KM() {
        hub.repo("org/many")
                .lfsFile("Model-F16.gguf", bytes(400))
                .lfsFile("Model-Q8_0.gguf", bytes(300))
                .lfsFile("mmproj-Model-Q4_K_M.gguf", bytes(50))
                .lfsFile("Model-Q4_K_M.gguf", bytes(200))
                .lfsFile("Model-Q4_K_S.gguf", bytes(150))
                .file("README.md", "# model");
        PlanRunner.Result result = new PlanRunner(hub.endpoint()).run(source, spec("org/many"), folder);
        assertEquals(List.of("Model-Q4_K_M.gguf"), result.paths());
        assertEquals(200, result.steps().get(0).get(0).sizeBytes());
    }

    @Test
    void withoutQ4KMTheNextPreferenceOrTheSmallestWins() {
        hub.repo("org/q8").lfsFile("a-F16.gguf", bytes(400)).lfsFile("a-Q8_0.gguf", bytes(300));
        assertEquals(List.of("a-Q8_0.gguf"), new PlanRunner(hub.endpoint()).run(source, spec("org/q8"),
                folder.resolve("q8")).paths());
        hub.repo("org/odd").lfsFile("large.gguf", bytes(400)).lfsFile("small.gguf", bytes(100));
        assertEquals(List.of("small.gguf"), new PlanRunner(hub.endpoint()).run(source, spec("org/odd"),
                folder.resolve("odd")).paths());
    }

    @Test
    void aSplitSetIsChosenWhole() {
        hub.repo("org/split").lfsFile("m-Q4_K_M-00001-of-00002.gguf", bytes(10))
                .lfsFile("m-Q4_K_M-00002-of-00002.gguf", bytes(10)).lfsFile("m-Q8_0.gguf", bytes(30));
        assertEquals(List.of("m-Q4_K_M-00001-of-00002.gguf", "m-Q4_K_M-00002-of-00002.gguf"),
                new PlanRunner(hub.endpoint()).run(source, spec("org/split"), folder).paths());
    }

    @Test
    void aRepositoryWithoutGgufFilesIsAClearError() {
        hub.repo("org/none").file("config.json", "{}").lfsFile("model.safetensors", bytes(10));
        PlanningException e = assertThrows(PlanningException.class,
                () -> new PlanRunner(hub.endpoint()).run(source, spec("org/none"), folder));
        assertTrue(e.getMessage().contains("has no .gguf model file"), e.getMessage());
    }

    @Test
    void unsafeNamesInTheTreeAreNeverPlanned() {
        hub.repo("org/evil").lfsFile("../../escape-Q4_K_M.gguf", bytes(10)).lfsFile("fine-Q8_0.gguf", bytes(10));
        assertEquals(List.of("fine-Q8_0.gguf"), new PlanRunner(hub.endpoint()).run(source, spec("org/evil"), folder)
                .paths());
    }

    @Test
    void validationNamesTheField() {
        assertEquals(List.of(), source.validate(spec("bartowski/Llama-3.2-1B-Instruct-GGUF",
                new ArtifactSpec("Llama-3.2-1B-Instruct-Q4_K_M.gguf", 876000000))));
        assertTrue(source.validate(spec("no-slash")).get(0).startsWith("repo_id: must be owner/name"));
        assertTrue(source.validate(spec("")).get(0).startsWith("repo_id: is required"));
        assertEquals(List.of("artifacts[0].filename: hf_gguf models are .gguf files, got \"model.safetensors\""),
                source.validate(spec("a/b", new ArtifactSpec("model.safetensors", 1))));
        assertEquals(Optional.of("gguf"), source.expectedFormat());
    }
}
