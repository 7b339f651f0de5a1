package dev.llmlb.source.onnx;

import dev.llmlb.api.ArtifactSpec;
import dev.llmlb.api.ModelSpec;
import dev.llmlb.api.source.FetchPlan;
import dev.llmlb.api.source.ModelFormats;
import dev.llmlb.api.source.ModelSourceFactory;
import dev.llmlb.api.source.PlanningException;
import dev.llmlb.api.source.RemoteFile;
import dev.llmlb.source.hf.HubAccess;
import dev.llmlb.testkit.source.FakePlanningContext;
import dev.llmlb.testkit.source.HubTreeJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

class HfOnnxSourceTest {

    private static final String REPO = "onnx-community/Qwen2.5-0.5B-Instruct";
    private static final URI HUB = URI.create("https://hub.test");
    private static final URI TREE = URI.create(
            "https://hub.test/api/models/onnx-community/Qwen2.5-0.5B-Instruct/tree/main?recursive=true");

    private final HfOnnxSource source = new HfOnnxSource(HubAccess.of(HUB));

    @TempDir
    Path folder;

    private static ModelSpec spec(ArtifactSpec... artifacts) {
        return new ModelSpec("qwen-onnx", null, "hf_onnx", REPO, null, List.of(artifacts), 0, List.of());
    }

    private FakePlanningContext hub(HubTreeJson tree) {
        return new FakePlanningContext(folder).serve(TREE, tree)
                .content("config.json", "{\"architectures\":[\"Qwen2ForCausalLM\"],\"model_type\":\"qwen2\"}");
    }

    /** The files every export has at its root. */
    private static HubTreeJson export() {
        return new HubTreeJson().file(".gitattributes", 1500).file("README.md", 3000)
                .file("config.json", 700).file("generation_config.json", 240).file("tokenizer.json", 7031645)
                .file("tokenizer_config.json", 7300).file("special_tokens_map.json", 600)
                .file("vocab.json", 2776833).file("merges.txt", 1671853);
    }

    /** The onnx/ folder of a transformers.js export: several variants, some with external data. */
    private static HubTreeJson withVariants(HubTreeJson tree) {
        return tree.directory("onnx")
                .lfs("onnx/model.onnx", 800000).lfs("onnx/model.onnx_data", 1976000000L)
                .lfs("onnx/model_fp16.onnx", 600000).lfs("onnx/model_fp16.onnx_data", 988000000L)
                .lfs("onnx/model_q4.onnx", 400000000L)
                .lfs("onnx/model_quantized.onnx", 500000000L);
    }

    private static URI resolve(String path) {
        return URI.create("https://hub.test/onnx-community/Qwen2.5-0.5B-Instruct/resolve/main/" + path);
    }

    private static List<String> paths(FetchPlan plan) {
        return assertInstanceOf(FetchPlan.Fetch.class, plan).files().stream().map(RemoteFile::path).toList();
    }

    private FetchPlan.Complete complete(ModelSpec spec, FakePlanningContext context, FetchPlan first) {
        context.fetch(assertInstanceOf(FetchPlan.Fetch.class, first));
        return assertInstanceOf(FetchPlan.Complete.class, source.plan(spec, context));
    }

    @Test
    void aTransformersJsExportBringsTheModelItsExternalDataAndTheTokenizer() {
        FakePlanningContext context = hub(withVariants(export()));

        FetchPlan first = source.plan(spec(), context);

        assertEquals(List.of("onnx/model.onnx", "onnx/model.onnx_data", "config.json", "generation_config.json",
                "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"), paths(first));
        assertEquals(new RemoteFile("onnx/model.onnx_data", resolve("onnx/model.onnx_data"), 1976000000L,
                Optional.of(HubTreeJson.sha256Of("onnx/model.onnx_data"))), ((FetchPlan.Fetch) first).files().get(1));
        assertEquals(new FetchPlan.Complete(ModelFormats.ONNX, Map.of("entry_file", "onnx/model.onnx",
                        "architecture", "Qwen2ForCausalLM", "model_type", "qwen2")),
                complete(spec(), context, first));
    }

    /**
     * A sentence-transformers repository as HuggingFace has all-MiniLM-L6-v2: the ONNX graph with its variants, the
     * weights in other formats, and the sentence-transformers files, whose pooling and length the engine needs.
     */
    @Test
    void aSentenceTransformersRepositoryBringsItsPoolingAndLengthButNoOtherVariantOrFormat() {
        HubTreeJson tree = new HubTreeJson().file(".gitattributes", 1200).file("README.md", 10600)
                .file("config.json", 612).file("config_sentence_transformers.json", 116).file("data_config.json", 39265)
                .file("modules.json", 349).file("sentence_bert_config.json", 53).file("special_tokens_map.json", 112)
                .file("tokenizer.json", 466247).file("tokenizer_config.json", 350).file("vocab.txt", 231508)
                .file("train_script.py", 13156).directory("1_Pooling").file("1_Pooling/config.json", 190)
                .lfs("model.safetensors", 90868376).lfs("pytorch_model.bin", 90888945).directory("onnx")
                .lfs("onnx/model.onnx", 90405214).lfs("onnx/model_O1.onnx", 90360328)
                .lfs("onnx/model_qint8_avx512.onnx", 23026053);
        FakePlanningContext context = hub(tree);

        FetchPlan first = source.plan(spec(), context);

        assertEquals(List.of("onnx/model.onnx", "config.json", "tokenizer.json", "tokenizer_config.json",
                "special_tokens_map.json", "modules.json", "1_Pooling/config.json", "sentence_bert_config.json"),
                paths(first));
    }

    @Test
    void anOptimumExportAtTheRootWithoutExternalData() {
        FakePlanningContext context = hub(new HubTreeJson().file("config.json", 700).file("tokenizer.json", 70)
                .file("tokenizer_config.json", 73).lfs("model.onnx", 1000));

        FetchPlan first = source.plan(spec(), context);

        assertEquals(List.of("model.onnx", "config.json", "tokenizer.json", "tokenizer_config.json"), paths(first));
        assertEquals("model.onnx", complete(spec(), context, first).properties().get("entry_file"));
    }

    @Test
    void aVariantNamedUnderArtifactsIsFetchedWithItsOwnExternalDataOnly() {
        FakePlanningContext context = hub(withVariants(export()));
        ModelSpec spec = spec(new ArtifactSpec("onnx/model_fp16.onnx", 600000));

        FetchPlan first = source.plan(spec, context);

        assertEquals(List.of("onnx/model_fp16.onnx", "onnx/model_fp16.onnx_data", "config.json",
                "generation_config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"),
                paths(first));
        assertEquals("onnx/model_fp16.onnx", complete(spec, context, first).properties().get("entry_file"));
    }

    @Test
    void aVariantWithoutExternalDataComesAlone() {
        FakePlanningContext context = hub(withVariants(export()));
        ModelSpec spec = spec(new ArtifactSpec("onnx/model_q4.onnx", 400000000L));

        List<String> first = paths(source.plan(spec, context));

        assertEquals("onnx/model_q4.onnx", first.get(0));
        assertEquals(List.of("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
                "special_tokens_map.json"), first.subList(1, first.size()));
    }

    @Test
    void findsDotDataAndChunkedExternalDataNextToTheModel() {
        FakePlanningContext context = hub(export()
                .lfs("onnx/model.onnx", 100).lfs("onnx/model.onnx.data", 10)
                .lfs("onnx/model.onnx_data_10", 10).lfs("onnx/model.onnx_data_2", 10).lfs("onnx/model.onnx_data_1", 10)
                .lfs("model.onnx_data", 10).lfs("onnx/model.onnx_data_x", 10));

        assertEquals(List.of("onnx/model.onnx", "onnx/model.onnx.data", "onnx/model.onnx_data_1",
                        "onnx/model.onnx_data_2", "onnx/model.onnx_data_10"),
                paths(source.plan(spec(), context)).subList(0, 5));
    }

    @Test
    void listedSizesAndHashesWinForTheModelAndItsData() {
        String sha = "ef".repeat(32);
        FakePlanningContext context = hub(export().lfs("onnx/model_q4.onnx", 4000, sha).lfs("onnx/model_q4.onnx_data", 9));
        ModelSpec spec = spec(new ArtifactSpec("onnx/model_q4.onnx", 4000, Optional.of(sha)),
                new ArtifactSpec("onnx/model_q4.onnx_data", 9));

        FetchPlan.Fetch first = assertInstanceOf(FetchPlan.Fetch.class, source.plan(spec, context));

        assertEquals(new RemoteFile("onnx/model_q4.onnx", resolve("onnx/model_q4.onnx"), 4000, Optional.of(sha)),
                first.files().get(0));
        assertEquals(1, first.files().stream().filter(f -> f.path().equals("onnx/model_q4.onnx_data")).count(),
                "listed external data is fetched once");
    }

    @Test
    void namesEveryMissingFile() {
        FakePlanningContext context = hub(new HubTreeJson().file("config.json", 7).lfs("onnx/decoder_model.onnx", 9));

        PlanningException e = assertThrows(PlanningException.class, () -> source.plan(spec(), context));
        assertEquals("repository onnx-community/Qwen2.5-0.5B-Instruct lacks onnx/model.onnx or model.onnx (name "
                + "another .onnx file under artifacts to use it), tokenizer.json, tokenizer_config.json.",
                e.getMessage());
    }

    @Test
    void aListedVariantTheRepositoryLacksIsNamed() {
        FakePlanningContext context = hub(withVariants(export()));

        PlanningException e = assertThrows(PlanningException.class,
                () -> source.plan(spec(new ArtifactSpec("onnx/model_int8.onnx", 10)), context));
        assertEquals("repository onnx-community/Qwen2.5-0.5B-Instruct lacks onnx/model_int8.onnx.", e.getMessage());
    }

    @Test
    void refusesATreeWithABackslashPath() {
        FakePlanningContext context = hub(withVariants(export()).lfs("onnx\\..\\..\\evil.onnx", 10));

        PlanningException e = assertThrows(PlanningException.class, () -> source.plan(spec(), context));
        assertEquals("Refusing the unsafe path 'onnx\\..\\..\\evil.onnx' from the file listing of repository "
                + REPO + ": it contains a backslash.", e.getMessage());
    }

    @Test
    void validatesTheRepoId() {
        assertEquals(List.of("repo_id: the owner '-bad' must start and end with a letter, digit or '_'"),
                source.validate(new ModelSpec("m", null, "hf_onnx", "-bad/name", null, List.of(), 0, List.of())));
        assertEquals(List.of(), source.validate(spec(new ArtifactSpec("onnx/model_q4.onnx", 1))));
    }

    @Test
    void isProvidedUnderItsNameToTheModulePathAndTheClassPath() throws IOException {
        HfOnnxSourceFactory factory = new HfOnnxSourceFactory();
        assertEquals("hf_onnx", factory.name());
        assertInstanceOf(HfOnnxSource.class, factory.create(dev.llmlb.testkit.tck.TestPluginContext.in(java.nio.file.Path.of("."))));
        Module module = factory.getClass().getModule();
        assertEquals(List.of(ModelSourceFactory.class.getName() + " with [" + factory.getClass().getName() + "]"),
                module.getDescriptor().provides().stream().map(p -> p.service() + " with " + p.providers()).toList());
        try (InputStream in = module.getResourceAsStream("META-INF/services/" + ModelSourceFactory.class.getName())) {
            assertEquals(factory.getClass().getName(), new String(in.readAllBytes(), StandardCharsets.UTF_8).strip());
        }
    }
}
