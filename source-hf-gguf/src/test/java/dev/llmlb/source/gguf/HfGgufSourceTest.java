package dev.llmlb.source.gguf;

import dev.llmlb.api.ArtifactSpec;
import dev.llmlb.api.ModelSpec;
import dev.llmlb.api.source.FetchPlan;
import dev.llmlb.api.source.ModelFormats;
import dev.llmlb.api.source.PlanningException;
import dev.llmlb.api.source.RemoteFile;
import dev.llmlb.source.hf.HubAccess;
import dev.llmlb.testkit.hub.FakeHub;
import dev.llmlb.testkit.source.FakePlanningContext;
import dev.llmlb.testkit.source.HubTreeJson;
import dev.llmlb.testkit.source.PlanRunner;
import dev.llmlb.testkit.tck.TestPluginContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

class HfGgufSourceTest {

    private static final String REPO = "bartowski/Llama-3.2-1B-Instruct-GGUF";
    private static final URI HUB = URI.create("https://hub.test");
    private static final URI TREE = URI.create(
            "https://hub.test/api/models/bartowski/Llama-3.2-1B-Instruct-GGUF/tree/main?recursive=true");
    private static final String LISTED_SHA = "0123456789abcdef".repeat(4);

    private final HfGgufSource source = new HfGgufSource(HubAccess.of(HUB));

    @TempDir
    Path folder;

    private static ModelSpec spec(ArtifactSpec... artifacts) {
        return new ModelSpec("llama-3.2-1b", "Llama 3.2 1B", "hf_gguf", REPO, null, List.of(artifacts), 2048,
                List.of("chat"));
    }

    private FakePlanningContext hub(HubTreeJson tree) {
        return new FakePlanningContext(folder).serve(TREE, tree);
    }

    private static URI resolve(String path) {
        return URI.create("https://hub.test/bartowski/Llama-3.2-1B-Instruct-GGUF/resolve/main/" + path);
    }

    private static List<String> paths(FetchPlan plan) {
        return assertInstanceOf(FetchPlan.Fetch.class, plan).files().stream().map(RemoteFile::path).toList();
    }

    /** Plays the host until the source completes, returning the completion. */
    private FetchPlan.Complete runToCompletion(ModelSpec spec, FakePlanningContext context) {
        for (int step = 0; step < 5; step++) {
            FetchPlan plan = source.plan(spec, context);
            if (plan instanceof FetchPlan.Complete complete) {
                return complete;
            }
            context.fetch((FetchPlan.Fetch) plan);
        }
        throw new AssertionError("no completion after 5 steps");
    }

    @Test
    void plansExactlyTheListedFileWithItsListedSizeAndHash() {
        FakePlanningContext context = hub(new HubTreeJson()
                .file("README.md", 100)
                .lfs("Llama-3.2-1B-Instruct-Q4_K_M.gguf", 807694464, LISTED_SHA)
                .lfs("Llama-3.2-1B-Instruct-Q8_0.gguf", 1321083232));
        ModelSpec spec = spec(new ArtifactSpec("Llama-3.2-1B-Instruct-Q4_K_M.gguf", 807694464,
                Optional.of(LISTED_SHA)));

        FetchPlan plan = source.plan(spec, context);

        assertEquals(new FetchPlan.Fetch(List.of(new RemoteFile("Llama-3.2-1B-Instruct-Q4_K_M.gguf",
                resolve("Llama-3.2-1B-Instruct-Q4_K_M.gguf"), 807694464, Optional.of(LISTED_SHA)))), plan);
        context.fetch((FetchPlan.Fetch) plan);
        assertEquals(new FetchPlan.Complete(ModelFormats.GGUF,
                        Map.of(ModelFormats.ENTRY_FILE, "Llama-3.2-1B-Instruct-Q4_K_M.gguf")),
                source.plan(spec, context));
    }

    @Test
    void takesTheHashFromTheTreeWhenTheEntryListsNone() {
        FakePlanningContext context = hub(new HubTreeJson().lfs("m-Q4_K_M.gguf", 1000));

        RemoteFile file = assertInstanceOf(FetchPlan.Fetch.class,
                source.plan(spec(new ArtifactSpec("m-Q4_K_M.gguf", 1000)), context)).files().get(0);

        assertEquals(Optional.of(HubTreeJson.sha256Of("m-Q4_K_M.gguf")), file.sha256());
    }

    @Test
    void aListedSplitFileBringsEveryPartOfItsSet() {
        FakePlanningContext context = hub(new HubTreeJson()
                .lfs("big/Model-Q4_K_M-00001-of-00003.gguf", 5000)
                .lfs("big/Model-Q4_K_M-00002-of-00003.gguf", 4000)
                .lfs("big/Model-Q4_K_M-00003-of-00003.gguf", 300)
                .lfs("Model-Q8_0.gguf", 9000));
        ModelSpec spec = spec(new ArtifactSpec("big/Model-Q4_K_M-00001-of-00003.gguf", 5000));

        FetchPlan.Fetch plan = assertInstanceOf(FetchPlan.Fetch.class, source.plan(spec, context));

        assertEquals(List.of("big/Model-Q4_K_M-00001-of-00003.gguf", "big/Model-Q4_K_M-00002-of-00003.gguf",
                "big/Model-Q4_K_M-00003-of-00003.gguf"), paths(plan));
        assertEquals(List.of(5000L, 4000L, 300L), plan.files().stream().map(RemoteFile::sizeBytes).toList());
        assertEquals(Optional.of(HubTreeJson.sha256Of("big/Model-Q4_K_M-00003-of-00003.gguf")),
                plan.files().get(2).sha256());
        assertEquals("big/Model-Q4_K_M-00001-of-00003.gguf",
                runToCompletion(spec, context).properties().get(ModelFormats.ENTRY_FILE));
    }

    @Test
    void aListedLaterPartAlsoBringsTheWholeSetAndEntersAtPartOne() {
        FakePlanningContext context = hub(new HubTreeJson()
                .lfs("M-00001-of-00002.gguf", 10).lfs("M-00002-of-00002.gguf", 20));
        ModelSpec spec = spec(new ArtifactSpec("M-00002-of-00002.gguf", 20));

        assertEquals(List.of("M-00001-of-00002.gguf", "M-00002-of-00002.gguf"), paths(source.plan(spec, context)));
        assertEquals("M-00001-of-00002.gguf", runToCompletion(spec, context).properties().get("entry_file"));
    }

    @Test
    void aSplitSetWithAPartMissingFromTheRepositoryNamesIt() {
        FakePlanningContext context = hub(new HubTreeJson()
                .lfs("M-00001-of-00003.gguf", 10).lfs("M-00003-of-00003.gguf", 10));

        PlanningException e = assertThrows(PlanningException.class,
                () -> source.plan(spec(new ArtifactSpec("M-00001-of-00003.gguf", 10)), context));
        assertEquals("repository " + REPO + " lacks M-00002-of-00003.gguf.", e.getMessage());
    }

    @Test
    void aListedFileTheRepositoryLacksIsNamed() {
        FakePlanningContext context = hub(new HubTreeJson().lfs("Other-Q4_K_M.gguf", 10));

        PlanningException e = assertThrows(PlanningException.class,
                () -> source.plan(spec(new ArtifactSpec("Llama-3.2-1B-Instruct-Q4_K_M.gguf", 876000000)), context));
        assertEquals("repository " + REPO + " lacks Llama-3.2-1B-Instruct-Q4_K_M.gguf.", e.getMessage());
        assertEquals("download_failed", e.code());
    }

    @Test
    void completesOnceEveryListedFileIsFetchedAndOnlyFetchesWhatIsMissing() {
        FakePlanningContext context = hub(new HubTreeJson()
                .lfs("A-Q4_K_M.gguf", 10).lfs("mmproj-A-f16.gguf", 5));
        ModelSpec spec = spec(new ArtifactSpec("A-Q4_K_M.gguf", 10), new ArtifactSpec("mmproj-A-f16.gguf", 5));
        context.markFetched("A-Q4_K_M.gguf", "");

        assertEquals(List.of("mmproj-A-f16.gguf"), paths(source.plan(spec, context)));
        assertEquals(Map.of("entry_file", "A-Q4_K_M.gguf"), runToCompletion(spec, context).properties());
    }

    @Test
    void withoutArtifactsPrefersQ4KM() {
        FakePlanningContext context = hub(new HubTreeJson()
                .file(".gitattributes", 1500)
                .file("README.md", 800)
                .lfs("Llama-3.2-1B-Instruct-IQ3_M.gguf", 657000000)
                .lfs("Llama-3.2-1B-Instruct-Q3_K_L.gguf", 732000000)
                .lfs("Llama-3.2-1B-Instruct-Q4_K_S.gguf", 776000000)
                .lfs("Llama-3.2-1B-Instruct-Q4_K_M.gguf", 807694464)
                .lfs("Llama-3.2-1B-Instruct-Q8_0.gguf", 1321083232)
                .lfs("Llama-3.2-1B-Instruct-f16.gguf", 2479595424L));

        FetchPlan.Fetch plan = assertInstanceOf(FetchPlan.Fetch.class, source.plan(spec(), context));

        assertEquals(List.of(new RemoteFile("Llama-3.2-1B-Instruct-Q4_K_M.gguf",
                resolve("Llama-3.2-1B-Instruct-Q4_K_M.gguf"), 807694464,
                Optional.of(HubTreeJson.sha256Of("Llama-3.2-1B-Instruct-Q4_K_M.gguf")))), plan.files());
        assertEquals("Llama-3.2-1B-Instruct-Q4_K_M.gguf",
                runToCompletion(spec(), context).properties().get("entry_file"));
    }

    @Test
    void withoutArtifactsMatchesQuantizationsInAnyCase() {
        FakePlanningContext context = hub(new HubTreeJson()
                .lfs("qwen2-0_5b-instruct-q8_0.gguf", 500)
                .lfs("qwen2-0_5b-instruct-q4_k_m.gguf", 400)
                .lfs("qwen2-0_5b-instruct-q2_k.gguf", 100));

        assertEquals(List.of("qwen2-0_5b-instruct-q4_k_m.gguf"), paths(source.plan(spec(), context)));
    }

    @Test
    void withoutQ4KMFollowsTheDocumentedOrder() {
        HubTreeJson tree = new HubTreeJson()
                .lfs("m.F16.gguf", 2000).lfs("m.Q8_0.gguf", 1000).lfs("m.Q5_K_M.gguf", 700).lfs("m.Q4_K_S.gguf", 600)
                .lfs("m.Q2_K.gguf", 300);
        assertEquals(List.of("m.Q4_K_S.gguf"), paths(source.plan(spec(), hub(tree))));

        HubTreeJson noK = new HubTreeJson()
                .lfs("m.F16.gguf", 2000).lfs("m.Q8_0.gguf", 1000).lfs("m.Q8_0_4_4.gguf", 990).lfs("m.Q2_K.gguf", 300);
        assertEquals(List.of("m.Q8_0.gguf"), paths(source.plan(spec(), hub(noK))));

        HubTreeJson unquantized = new HubTreeJson().lfs("m-BF16.gguf", 2000).lfs("m-F16.gguf", 2000);
        assertEquals(List.of("m-F16.gguf"), paths(source.plan(spec(), hub(unquantized))));
    }

    @Test
    void withNoKnownQuantizationTakesTheSmallestFile() {
        FakePlanningContext context = hub(new HubTreeJson()
                .lfs("model-IQ2_XS.gguf", 300).lfs("model-Q3_K_L.gguf", 500).lfs("model-IQ1_S.gguf", 200));

        assertEquals(List.of("model-IQ1_S.gguf"), paths(source.plan(spec(), context)));
    }

    @Test
    void withoutArtifactsChoosesAWholeSplitSet() {
        FakePlanningContext context = hub(new HubTreeJson()
                .lfs("Big-Q8_0.gguf", 900)
                .lfs("Big-Q4_K_M/Big-Q4_K_M-00002-of-00002.gguf", 300)
                .lfs("Big-Q4_K_M/Big-Q4_K_M-00001-of-00002.gguf", 500));
        ModelSpec spec = spec();

        assertEquals(List.of("Big-Q4_K_M/Big-Q4_K_M-00001-of-00002.gguf", "Big-Q4_K_M/Big-Q4_K_M-00002-of-00002.gguf"),
                paths(source.plan(spec, context)));
        assertEquals("Big-Q4_K_M/Big-Q4_K_M-00001-of-00002.gguf",
                runToCompletion(spec, context).properties().get("entry_file"));
    }

    @Test
    void withoutArtifactsSkipsIncompleteSplitSetsAndProjectors() {
        FakePlanningContext context = hub(new HubTreeJson()
                .lfs("mmproj-model-Q4_K_M.gguf", 50)
                .lfs("Big-Q4_K_M-00001-of-00002.gguf", 500)
                .lfs("Big-Q6_K.gguf", 1200));

        assertEquals(List.of("Big-Q6_K.gguf"), paths(source.plan(spec(), context)));
    }

    @Test
    void aRepositoryWithoutGgufFilesGetsAClearError() {
        FakePlanningContext context = hub(new HubTreeJson()
                .file("config.json", 600).lfs("model.safetensors", 2000).file("README.md", 10));

        PlanningException e = assertThrows(PlanningException.class, () -> source.plan(spec(), context));
        assertEquals("Repository " + REPO + " has no .gguf model file. Use a GGUF repository, or list the file under "
                + "artifacts in supported_models.json.", e.getMessage());
    }

    @Test
    void aRepositoryWithOnlyIncompleteSplitSetsSaysWhichPartsAreMissing() {
        FakePlanningContext context = hub(new HubTreeJson()
                .lfs("Big-Q4_K_M-00001-of-00003.gguf", 500).lfs("Big-Q4_K_M-00003-of-00003.gguf", 500));

        PlanningException e = assertThrows(PlanningException.class, () -> source.plan(spec(), context));
        assertEquals("Repository " + REPO + " has no complete .gguf model: split set Big-Q4_K_M-00001-of-00003.gguf "
                + "lacks Big-Q4_K_M-00002-of-00003.gguf.", e.getMessage());
    }

    @Test
    void refusesATreeThatListsAPathOutsideTheModelFolder() {
        FakePlanningContext context = hub(new HubTreeJson()
                .lfs("model-Q4_K_M.gguf", 10).lfs("../../../.ssh/evil-Q4_K_M.gguf", 1));

        PlanningException e = assertThrows(PlanningException.class, () -> source.plan(spec(), context));
        assertEquals("Refusing the unsafe path '../../../.ssh/evil-Q4_K_M.gguf' from the file listing of repository "
                + REPO + ": it climbs out of its folder with '..'.", e.getMessage());
    }

    @Test
    void plansTheRevisionTheEntryNames() {
        URI tree = URI.create("https://hub.test/api/models/o/n/tree/refs%2Fpr%2F7?recursive=true");
        FakePlanningContext context = new FakePlanningContext(folder)
                .serve(tree, new HubTreeJson().lfs("x-Q4_K_M.gguf", 10));
        ModelSpec spec = new ModelSpec("x", null, "hf_gguf", "o/n", "refs/pr/7", List.of(), 0, List.of());

        FetchPlan.Fetch plan = assertInstanceOf(FetchPlan.Fetch.class, source.plan(spec, context));

        assertEquals(URI.create("https://hub.test/o/n/resolve/refs%2Fpr%2F7/x-Q4_K_M.gguf"),
                plan.files().get(0).uri());
    }

    @Test
    void validatesTheRepoIdAndTheArtifactExtensions() {
        ModelSpec bad = new ModelSpec("m", null, "hf_gguf", "Llama-3.2-1B", null,
                List.of(new ArtifactSpec("model.safetensors", 1), new ArtifactSpec("ok.GGUF", 1)), 0, List.of());

        assertEquals(List.of("repo_id: must be owner/name, got 'Llama-3.2-1B'",
                        "artifacts[0].filename: 'model.safetensors' is not a .gguf file; source hf_gguf fetches GGUF "
                                + "files only"),
                source.validate(bad));
        assertEquals(List.of(), source.validate(spec(new ArtifactSpec("Llama-3.2-1B-Instruct-Q4_K_M.gguf", 1))));
    }

    @Test
    void anInvalidRepoIdFailsPlanningWithoutTouchingTheHub() {
        FakePlanningContext context = new FakePlanningContext(folder);
        ModelSpec bad = new ModelSpec("m", null, "hf_gguf", "../etc", null, List.of(), 0, List.of());

        PlanningException e = assertThrows(PlanningException.class, () -> source.plan(bad, context));
        assertEquals("Model 'm' has an invalid repo_id '../etc': the owner '..' must not contain '..' or '--'; "
                + "the owner '..' must start and end with a letter, digit or '_'.", e.getMessage());
        assertEquals(List.of(), context.reads());
    }

    @Test
    void aRepositoryListedInPagesIsReadToItsLastPage() {
        try (FakeHub hub = FakeHub.start()) {
            hub.repo("org/many-GGUF").file("README.md", "# many").file("a.txt", "a").file("b.txt", "b")
                    .lfsFile("many-Q4_K_M.gguf", new byte[100]);
            hub.paginateTree(2);
            ModelSpec spec = new ModelSpec("many", null, "hf_gguf", "org/many-GGUF", null, List.of(), 0, List.of());
            PlanRunner.Result result = new PlanRunner().run(new HfGgufSource(HubAccess.of(hub.endpoint())), spec,
                    folder);
            assertEquals(List.of("many-Q4_K_M.gguf"), result.paths(), "the only GGUF file is on the second page");
            assertEquals(4, hub.listingRequests("org/many-GGUF"), "two pages, read in each of two steps");
        }
    }

    @Test
    void aPrivateRepositorysTokenGoesToTheHubAndNeverToTheCdn() {
        try (FakeHub hub = FakeHub.start()) {
            hub.repo("org/private-GGUF").lfsFile("p-Q4_K_M.gguf", new byte[100]).requireToken("hf_secret");
            ModelSpec spec = new ModelSpec("p", null, "hf_gguf", "org/private-GGUF", null, List.of(), 0, List.of());
            HfGgufSource withToken = new HfGgufSource(HubAccess.from(new TestPluginContext(Map.of("HF_ENDPOINT",
                    hub.endpoint().toString(), "HF_TOKEN", "hf_secret"), folder, false)));
            PlanRunner.Result result = new PlanRunner().run(withToken, spec, folder);
            assertEquals(List.of("p-Q4_K_M.gguf"), result.paths());
            assertEquals(0, hub.authorizationHeadersSeenByCdn());
            assertThrows(PlanningException.class, () -> new PlanRunner().run(new HfGgufSource(
                    HubAccess.of(hub.endpoint())), spec, folder.resolve("without")), "no token, no listing");
        }
    }
}
