package dev.llmlb.source.hf;

import dev.llmlb.api.ArtifactSpec;
import dev.llmlb.api.ModelSpec;
import dev.llmlb.api.source.PlanningException;
import dev.llmlb.api.source.RemoteFile;
import dev.llmlb.testkit.source.FakePlanningContext;
import dev.llmlb.testkit.source.HubTreeJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RepoFilesTest {

    private static final URI HUB = URI.create("https://hub.test");
    private static final URI TREE = URI.create("https://hub.test/api/models/o/n/tree/main?recursive=true");
    private static final String LISTED_SHA = "a".repeat(64);

    @TempDir
    Path folder;

    private static ModelSpec spec(List<ArtifactSpec> artifacts) {
        return new ModelSpec("m", null, "hf_test", "o/n", null, artifacts, 0, List.of());
    }

    private static RepoFiles read(ModelSpec spec, FakePlanningContext context) {
        return RepoFiles.read(spec, context, HubAccess.of(HUB));
    }

    private FakePlanningContext hub(HubTreeJson tree) {
        return new FakePlanningContext(folder).serve(TREE, tree);
    }

    @Test
    void planTreeFilesWithTheTreesSizeAndHash() {
        RepoFiles files = read(spec(List.of()),
                hub(new HubTreeJson().file("config.json", 12).lfs("w.bin", 4096)));

        assertEquals(List.of(
                        new RemoteFile("config.json", URI.create("https://hub.test/o/n/resolve/main/config.json"), 12,
                                Optional.empty()),
                        new RemoteFile("w.bin", URI.create("https://hub.test/o/n/resolve/main/w.bin"), 4096,
                                Optional.of(HubTreeJson.sha256Of("w.bin")))),
                files.require(List.of("config.json", "w.bin", "config.json")));
    }

    @Test
    void listedArtifactsSizeAndHashWin() {
        RepoFiles files = read(spec(List.of(new ArtifactSpec("small.txt", 7, Optional.of(LISTED_SHA)))),
                hub(new HubTreeJson().file("small.txt", 7)));

        RemoteFile file = files.optional("small.txt").orElseThrow();
        assertEquals(7, file.sizeBytes());
        assertEquals(Optional.of(LISTED_SHA), file.sha256());
    }

    @Test
    void aListedSizeRoundedByHandGivesWayToTheHubsWhenAChecksumProvesTheContent() {
        RepoFiles files = read(spec(List.of(new ArtifactSpec("m.gguf", 876000000))),
                hub(new HubTreeJson().lfs("m.gguf", 807694464)));

        RemoteFile file = files.optional("m.gguf").orElseThrow();
        assertEquals(807694464, file.sizeBytes());
        assertEquals(Optional.of(HubTreeJson.sha256Of("m.gguf")), file.sha256());
    }

    @Test
    void listedSizeThatContradictsTheHubWithoutAChecksumFailsBeforeAnyDownload() {
        RepoFiles files = read(spec(List.of(new ArtifactSpec("m.gguf", 876000000))),
                hub(new HubTreeJson().file("m.gguf", 807694464)));

        PlanningException e = assertThrows(PlanningException.class, () -> files.optional("m.gguf"));
        assertEquals("Artifact 'm.gguf' is listed in supported_models.json with size_bytes 876000000, but "
                + "repository o/n has it at 807694464 bytes. Correct size_bytes (the download could not verify "
                + "otherwise).", e.getMessage());
    }

    @Test
    void listedHashThatContradictsTheHubFailsBeforeAnyDownload() {
        RepoFiles files = read(spec(List.of(new ArtifactSpec("m.gguf", 10, Optional.of(LISTED_SHA)))),
                hub(new HubTreeJson().lfs("m.gguf", 10)));

        PlanningException e = assertThrows(PlanningException.class, () -> files.require(List.of("m.gguf")));
        assertEquals("Artifact 'm.gguf' is listed in supported_models.json with sha256 " + LISTED_SHA
                + ", but repository o/n has sha256 " + HubTreeJson.sha256Of("m.gguf")
                + ". Correct or remove sha256 (the download could not verify otherwise).", e.getMessage());
    }

    @Test
    void requireNamesEveryMissingFileOnce() {
        RepoFiles files = read(spec(List.of()), hub(new HubTreeJson().file("config.json", 2)));

        PlanningException e = assertThrows(PlanningException.class,
                () -> files.require(List.of("tokenizer.json", "config.json", "model.safetensors", "tokenizer.json")));
        assertEquals("repository o/n lacks tokenizer.json, model.safetensors.", e.getMessage());
    }

    @Test
    void namesTheRevisionInMessagesWhenItIsNotMain() {
        URI tree = URI.create("https://hub.test/api/models/o/n/tree/v2?recursive=true");
        FakePlanningContext context = new FakePlanningContext(folder).serve(tree, new HubTreeJson());
        RepoFiles files = read(new ModelSpec("m", null, "hf_test", "o/n", "v2", List.of(), 0, List.of()),
                context);

        assertEquals("repository o/n at revision v2 lacks a.", assertThrows(PlanningException.class,
                () -> files.require(List.of("a"))).getMessage());
        assertEquals(URI.create("https://hub.test/o/n/resolve/v2/a"), files.repo().resolveUri("a"));
    }

    @Test
    void readingAnInvalidRepoIdFailsWithTheReason() {
        FakePlanningContext context = new FakePlanningContext(folder);
        ModelSpec spec = new ModelSpec("m", null, "hf_test", "just-a-name", null, List.of(), 0, List.of());

        PlanningException e = assertThrows(PlanningException.class, () -> read(spec, context));
        assertEquals("Model 'm' has an invalid repo_id 'just-a-name': must be owner/name, got 'just-a-name'.",
                e.getMessage());
        assertEquals(List.of(), context.reads(), "nothing is requested for an invalid id");
    }

    @Test
    void passesOnTheHostsErrorWhenTheListingCannotBeRead() {
        FakePlanningContext context = new FakePlanningContext(folder);

        PlanningException e = assertThrows(PlanningException.class, () -> read(spec(List.of()), context));
        assertEquals("The hub answered 404 Not Found for " + TREE, e.getMessage());
    }

    @Test
    void followsTheListingsLinkHeaderToEveryPage() {
        URI second = URI.create("https://hub.test/api/models/o/n/tree/main?recursive=true&cursor=abc");
        URI third = URI.create("https://hub.test/api/models/o/n/tree/main?recursive=true&cursor=def");
        FakePlanningContext context = new FakePlanningContext(folder)
                .serve(TREE, new HubTreeJson().file("config.json", 2).toJson(),
                        Map.of("Link", "<" + second + ">; rel=\"next\""))
                .serve(second, new HubTreeJson().lfs("w-00001-of-00002.bin", 10).toJson(),
                        Map.of("Link", "<" + TREE + ">; rel=\"first\", </api/models/o/n/tree/main?recursive=true"
                                + "&cursor=def>; rel=\"next\""))
                .serve(third, new HubTreeJson().lfs("w-00002-of-00002.bin", 10).toJson());

        RepoFiles files = read(spec(List.of()), context);

        assertEquals(List.of("config.json", "w-00001-of-00002.bin", "w-00002-of-00002.bin"),
                files.tree().files().stream().map(TreeEntry::path).toList());
        assertEquals(List.of(TREE, second, third), context.reads());
    }

    @Test
    void aListingWhosePagesLinkInACircleFailsInsteadOfLooping() {
        FakePlanningContext context = new FakePlanningContext(folder)
                .serve(TREE, new HubTreeJson().file("a", 1).toJson(), Map.of("Link", "<" + TREE + ">; rel=next"));

        PlanningException e = assertThrows(PlanningException.class, () -> read(spec(List.of()), context));
        assertTrue(e.getMessage().contains("do not end"), e.getMessage());
    }

    @Test
    void theTokenGoesWithListingsAndFilesOfTheHubOnly() {
        FakePlanningContext context = hub(new HubTreeJson().lfs("w.bin", 10));
        HubAccess withToken = new HubAccess(HUB, Optional.of("hf_secret"));

        RepoFiles files = RepoFiles.read(spec(List.of()), context, withToken);

        assertEquals(Map.of("Authorization", "Bearer hf_secret"), context.requests().get(0).headers());
        RemoteFile file = files.optional("w.bin").orElseThrow();
        assertEquals(Map.of("Authorization", "Bearer hf_secret"), file.headers());
        assertFalse(file.toString().contains("hf_secret"), file.toString());
        assertEquals(Map.of(), withToken.headersFor(URI.create("https://cdn.hub.test/w.bin")));
        assertEquals(Map.of(), withToken.headersFor(URI.create("http://hub.test/w.bin")), "another scheme");
        assertEquals(Map.of(), withToken.headersFor(URI.create("https://hub.test:8443/w.bin")), "another port");
        assertFalse(withToken.toString().contains("hf_secret"));
    }
}
