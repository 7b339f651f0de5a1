package dev.llmlb.source.safetensors;

import dev.llmlb.api.ArtifactSpec;
import dev.llmlb.api.ModelSpec;
import dev.llmlb.api.source.FetchPlan;
import dev.llmlb.api.source.ModelFormats;
import dev.llmlb.api.source.PlanningException;
import dev.llmlb.api.source.RemoteFile;
import dev.llmlb.source.hf.HubAccess;
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
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HfSafetensorsSourceTest {

    private static final String REPO = "Qwen/Qwen2.5-0.5B-Instruct";
    private static final URI HUB = URI.create("https://hub.test");
    private static final URI TREE = URI.create(
            "https://hub.test/api/models/Qwen/Qwen2.5-0.5B-Instruct/tree/main?recursive=true");
    private static final String QWEN_CONFIG = """
            {"architectures":["Qwen2ForCausalLM"],"model_type":"qwen2","torch_dtype":"bfloat16",
             "hidden_size":896,"num_attention_heads":14,"num_hidden_layers":24,"tie_word_embeddings":true}""";
    private static final String INDEX = """
            {"metadata":{"total_size":3000},
             "weight_map":{"lm_head.weight":"model-00002-of-00002.safetensors",
                           "model.embed_tokens.weight":"model-00001-of-00002.safetensors",
                           "model.layers.0.mlp.down_proj.weight":"model-00001-of-00002.safetensors",
                           "model.norm.weight":"model-00002-of-00002.safetensors"}}""";

    private final HfSafetensorsSource source = new HfSafetensorsSource(HubAccess.of(HUB));

    @TempDir
    Path folder;

    private static ModelSpec spec(ArtifactSpec... artifacts) {
        return new ModelSpec("qwen2.5-0.5b", null, "hf_safetensors", REPO, null, List.of(artifacts), 0, List.of());
    }

    private FakePlanningContext hub(HubTreeJson tree) {
        return new FakePlanningContext(folder).serve(TREE, tree).content("config.json", QWEN_CONFIG)
                .content("model.safetensors.index.json", INDEX);
    }

    private static HubTreeJson withTokenizer(HubTreeJson tree) {
        return tree.file("config.json", 660).file("tokenizer.json", 7031645).file("tokenizer_config.json", 7305);
    }

    private static URI resolve(String path) {
        return URI.create("https://hub.test/Qwen/Qwen2.5-0.5B-Instruct/resolve/main/" + path);
    }

    private static List<String> paths(FetchPlan plan) {
        return assertInstanceOf(FetchPlan.Fetch.class, plan).files().stream().map(RemoteFile::path).toList();
    }

    private FetchPlan fetchAndPlan(ModelSpec spec, FakePlanningContext context, FetchPlan previous) {
        context.fetch(assertInstanceOf(FetchPlan.Fetch.class, previous));
        return source.plan(spec, context);
    }

    @Test
    void aSingleFileRepositoryIsFetchedInOneStepThenCompletesWithItsArchitecture() {
        FakePlanningContext context = hub(withTokenizer(new HubTreeJson()
                .file(".gitattributes", 1500).file("README.md", 4000).file("LICENSE", 11000)
                .file("generation_config.json", 242).file("merges.txt", 1671853).file("vocab.json", 2776833)
                .lfs("model.safetensors", 988097824)));

        FetchPlan first = source.plan(spec(), context);

        assertEquals(List.of("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
                "model.safetensors"), paths(first));
        RemoteFile weights = ((FetchPlan.Fetch) first).files().get(4);
        assertEquals(new RemoteFile("model.safetensors", resolve("model.safetensors"), 988097824,
                Optional.of(HubTreeJson.sha256Of("model.safetensors"))), weights);

        FetchPlan done = fetchAndPlan(spec(), context, first);
        assertEquals(new FetchPlan.Complete(ModelFormats.SAFETENSORS, Map.of(
                "architecture", "Qwen2ForCausalLM", "model_type", "qwen2", "torch_dtype", "bfloat16",
                "entry_file", "config.json", "weights_file", "model.safetensors")), done);
    }

    @Test
    void aSentenceTransformersRepositoryBringsItsPoolingAndLength() {
        HubTreeJson tree = withTokenizer(new HubTreeJson()).file("modules.json", 349)
                .file("sentence_bert_config.json", 53).file("config_sentence_transformers.json", 116)
                .directory("1_Pooling").file("1_Pooling/config.json", 190).lfs("model.safetensors", 90868376)
                .lfs("pytorch_model.bin", 90888945).directory("onnx").lfs("onnx/model.onnx", 90405214);

        FetchPlan first = source.plan(spec(), hub(tree));

        assertEquals(List.of("config.json", "tokenizer.json", "tokenizer_config.json", "modules.json",
                "1_Pooling/config.json", "sentence_bert_config.json", "model.safetensors"), paths(first));
    }

    @Test
    void aShardedRepositoryFetchesTheIndexFirstThenEachShardOnce() {
        FakePlanningContext context = hub(withTokenizer(new HubTreeJson()
                .file("special_tokens_map.json", 400)
                .file("model.safetensors.index.json", 900)
                .lfs("model-00001-of-00002.safetensors", 2000)
                .lfs("model-00002-of-00002.safetensors", 1000)));

        FetchPlan first = source.plan(spec(), context);
        assertEquals(List.of("config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                "model.safetensors.index.json"), paths(first));

        FetchPlan second = fetchAndPlan(spec(), context, first);
        assertEquals(List.of(
                new RemoteFile("model-00001-of-00002.safetensors", resolve("model-00001-of-00002.safetensors"), 2000,
                        Optional.of(HubTreeJson.sha256Of("model-00001-of-00002.safetensors"))),
                new RemoteFile("model-00002-of-00002.safetensors", resolve("model-00002-of-00002.safetensors"), 1000,
                        Optional.of(HubTreeJson.sha256Of("model-00002-of-00002.safetensors")))),
                assertInstanceOf(FetchPlan.Fetch.class, second).files());

        FetchPlan.Complete done = assertInstanceOf(FetchPlan.Complete.class, fetchAndPlan(spec(), context, second));
        assertEquals("Qwen2ForCausalLM", done.properties().get("architecture"));
        assertEquals("model.safetensors.index.json", done.properties().get("weights_file"));
    }

    @Test
    void prefersTheSingleFileWhenTheRepositoryHasBoth() {
        FakePlanningContext context = hub(withTokenizer(new HubTreeJson()
                .lfs("model.safetensors", 3000).file("model.safetensors.index.json", 900)
                .lfs("model-00001-of-00002.safetensors", 2000).lfs("model-00002-of-00002.safetensors", 1000)));

        List<String> first = paths(source.plan(spec(), context));
        assertTrue(first.contains("model.safetensors"));
        assertTrue(!first.contains("model.safetensors.index.json"));
    }

    @Test
    void namesEveryMissingRequiredFile() {
        FakePlanningContext context = hub(new HubTreeJson().file("tokenizer_config.json", 10).file("README.md", 5));

        PlanningException e = assertThrows(PlanningException.class, () -> source.plan(spec(), context));
        assertEquals("repository Qwen/Qwen2.5-0.5B-Instruct lacks config.json, tokenizer.json, model.safetensors or "
                + "model.safetensors.index.json.", e.getMessage());
        assertEquals("download_failed", e.code());
    }

    @Test
    void aShardTheIndexNamesButTheRepositoryLacksIsNamed() {
        FakePlanningContext context = hub(withTokenizer(new HubTreeJson()
                .file("model.safetensors.index.json", 900).lfs("model-00001-of-00002.safetensors", 2000)));
        FetchPlan first = source.plan(spec(), context);

        PlanningException e = assertThrows(PlanningException.class, () -> fetchAndPlan(spec(), context, first));
        assertEquals("repository Qwen/Qwen2.5-0.5B-Instruct lacks model-00002-of-00002.safetensors.", e.getMessage());
    }

    @Test
    void refusesAnIndexThatPointsOutsideTheModelFolder() {
        FakePlanningContext context = hub(withTokenizer(new HubTreeJson().file("model.safetensors.index.json", 90)))
                .content("model.safetensors.index.json",
                        "{\"weight_map\":{\"a\":\"model-00001-of-00001.safetensors\",\"b\":\"../../.bashrc\"}}");
        FetchPlan first = source.plan(spec(), context);

        PlanningException e = assertThrows(PlanningException.class, () -> fetchAndPlan(spec(), context, first));
        assertEquals("Refusing the unsafe path '../../.bashrc' from model.safetensors.index.json of repository "
                + REPO + ": it climbs out of its folder with '..'.", e.getMessage());
    }

    @Test
    void refusesAnIndexWithoutAWeightMap() {
        FakePlanningContext context = hub(withTokenizer(new HubTreeJson().file("model.safetensors.index.json", 90)))
                .content("model.safetensors.index.json", "{\"metadata\":{}}");
        FetchPlan first = source.plan(spec(), context);

        PlanningException e = assertThrows(PlanningException.class, () -> fetchAndPlan(spec(), context, first));
        assertEquals("model.safetensors.index.json of repository " + REPO + " has no weight_map object.",
                e.getMessage());
    }

    @Test
    void anUnknownArchitectureStillCompletesForTheEnginesToJudge() {
        FakePlanningContext context = hub(withTokenizer(new HubTreeJson().lfs("model.safetensors", 10)))
                .content("config.json", "{\"architectures\":[\"MambaForCausalLM\"],\"model_type\":\"mamba\"}");
        FetchPlan first = source.plan(spec(), context);

        assertEquals(new FetchPlan.Complete(ModelFormats.SAFETENSORS, Map.of("architecture", "MambaForCausalLM",
                        "model_type", "mamba", "entry_file", "config.json", "weights_file", "model.safetensors")),
                fetchAndPlan(spec(), context, first));
    }

    @Test
    void aConfigWithoutArchitecturesStillCompletes() {
        FakePlanningContext context = hub(withTokenizer(new HubTreeJson().lfs("model.safetensors", 10)))
                .content("config.json", "{}");
        FetchPlan first = source.plan(spec(), context);

        assertEquals(Map.of("entry_file", "config.json", "weights_file", "model.safetensors"),
                assertInstanceOf(FetchPlan.Complete.class, fetchAndPlan(spec(), context, first)).properties());
    }

    @Test
    void listedArtifactsKeepTheirSizeAndHashAndExtraOnesAreFetched() {
        String shardSha = "ab".repeat(32);
        String chatTemplateSha = "cd".repeat(32);
        ModelSpec spec = spec(new ArtifactSpec("model-00002-of-00002.safetensors", 1000, Optional.of(shardSha)),
                new ArtifactSpec("chat_template.jinja", 300, Optional.of(chatTemplateSha)));
        FakePlanningContext context = hub(withTokenizer(new HubTreeJson()
                .file("chat_template.jinja", 300)
                .file("model.safetensors.index.json", 900)
                .lfs("model-00001-of-00002.safetensors", 2000)
                .lfs("model-00002-of-00002.safetensors", 1000, shardSha)));

        FetchPlan first = source.plan(spec, context);
        assertEquals(List.of("config.json", "tokenizer.json", "tokenizer_config.json", "model.safetensors.index.json",
                "model-00002-of-00002.safetensors", "chat_template.jinja"), paths(first));
        assertEquals(Optional.of(chatTemplateSha), ((FetchPlan.Fetch) first).files().get(5).sha256());
        assertEquals(Optional.of(shardSha), ((FetchPlan.Fetch) first).files().get(4).sha256());

        FetchPlan second = fetchAndPlan(spec, context, first);
        assertEquals(List.of("model-00001-of-00002.safetensors"), paths(second),
                "the listed shard is in place already, only the other is fetched");
        assertInstanceOf(FetchPlan.Complete.class, fetchAndPlan(spec, context, second));
    }

    @Test
    void aListedArtifactTheRepositoryLacksIsNamedWithTheRest() {
        FakePlanningContext context = hub(new HubTreeJson().file("config.json", 5).lfs("model.safetensors", 10));

        PlanningException e = assertThrows(PlanningException.class,
                () -> source.plan(spec(new ArtifactSpec("extra.bin", 5)), context));
        assertEquals("repository Qwen/Qwen2.5-0.5B-Instruct lacks tokenizer.json, tokenizer_config.json, extra.bin.",
                e.getMessage());
    }

    @Test
    void validatesTheRepoId() {
        ModelSpec bad = new ModelSpec("m", null, "hf_safetensors", "Qwen/Qwen 2.5", null, List.of(), 0, List.of());
        assertEquals(List.of("repo_id: the name 'Qwen 2.5' may contain only letters, digits, '.', '_' and '-'"),
                source.validate(bad));
        assertEquals(List.of(), source.validate(spec()));
    }

    @Test
    void isProvidedUnderItsNameToTheModulePathAndTheClassPath() throws java.io.IOException {
        HfSafetensorsSourceFactory factory = new HfSafetensorsSourceFactory();
        assertEquals("hf_safetensors", factory.name());
        assertInstanceOf(HfSafetensorsSource.class, factory.create(dev.llmlb.testkit.tck.TestPluginContext.in(java.nio.file.Path.of("."))));
        assertEquals(List.of("dev.llmlb.api.source.ModelSourceFactory with [" + factory.getClass().getName() + "]"),
                factory.getClass().getModule().getDescriptor().provides().stream()
                        .map(p -> p.service() + " with " + p.providers()).toList());
        try (java.io.InputStream in = factory.getClass().getModule()
                .getResourceAsStream("META-INF/services/dev.llmlb.api.source.ModelSourceFactory")) {
            assertEquals(factory.getClass().getName(),
                    new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip());
        }
    }
}
