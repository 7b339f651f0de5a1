package dev.llmlb.engine.onnx;

import dev.llmlb.api.engine.ChatMessage;
import dev.llmlb.api.engine.ContextLengthExceededException;
import dev.llmlb.api.engine.EngineException;
import dev.llmlb.api.engine.GenerationRequest;
import dev.llmlb.api.engine.GenerationResult;
import dev.llmlb.api.engine.InferenceEngine;
import dev.llmlb.api.engine.InferenceEngineFactory;
import dev.llmlb.api.engine.LoadOptions;
import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.LocalModel;
import dev.llmlb.api.engine.Prompt;
import dev.llmlb.api.engine.SamplingParams;
import dev.llmlb.api.source.ModelFormats;
import dev.llmlb.engine.llamacpp.LlamaCppEngineFactory;
import dev.llmlb.testkit.models.GgufWriter;
import dev.llmlb.testkit.models.OnnxWriter;
import dev.llmlb.testkit.models.TinyLlamaConfig;
import dev.llmlb.testkit.models.TinyLlamaReference;
import dev.llmlb.testkit.models.TinyLlamaWeights;
import dev.llmlb.testkit.models.TinyVocabulary;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OnnxEngineTest {

    @TempDir
    static Path dir;
    static TinyLlamaWeights weights;
    static InferenceEngine engine;
    static Path repo;
    static LoadedModel model;

    @BeforeAll
    static void load() {
        weights = TinyLlamaWeights.generate(TinyLlamaConfig.tiny());
        engine = new OnnxEngineFactory().create(TestRepos.context(dir, Map.of()));
        repo = dir.resolve("tiny");
        new OnnxWriter(weights).externalData(true).writeRepo(repo);
        model = engine.load(TestRepos.local(repo), LoadOptions.cpu(2, 0));
    }

    @AfterAll
    static void unload() {
        model.close();
        engine.close();
    }

    static String generate(LoadedModel m, Prompt prompt, int max) {
        StringBuilder text = new StringBuilder();
        m.generate(new GenerationRequest(prompt, max, SamplingParams.greedy()), piece -> {
            text.append(piece);
            return true;
        });
        return text.toString();
    }

    @Test
    void theFactoryIsProvidedAsAServiceAndNamesItsFormat() throws Exception {
        var provides = OnnxEngineFactory.class.getModule().getDescriptor().provides();
        assertTrue(provides.stream().anyMatch(p -> p.service().equals(InferenceEngineFactory.class.getName())
                && p.providers().contains(OnnxEngineFactory.class.getName())), provides.toString());
        try (var in = OnnxEngineFactory.class.getModule()
                .getResourceAsStream("META-INF/services/" + InferenceEngineFactory.class.getName())) {
            assertEquals(OnnxEngineFactory.class.getName(), new String(in.readAllBytes()).strip());
        }
        assertEquals("onnx", new OnnxEngineFactory().name());
        assertEquals(Set.of(ModelFormats.ONNX), new OnnxEngineFactory().formats());
    }

    @Test
    void greedyTextMatchesTheReferenceAndLlamaCppFor32Tokens() throws Exception {
        String text = "The quick brown fox";
        List<Integer> prompt = new ArrayList<>();
        prompt.add(TinyVocabulary.BOS);
        prompt.addAll(TinyVocabulary.get().encode(text));
        String expected = TinyVocabulary.get().decode(new TinyLlamaReference(weights).greedy(prompt, 32));
        assertEquals(expected, generate(model, new Prompt.Text(text), 32));
        assertEquals(prompt.size(), model.countPromptTokens(new Prompt.Text(text)));

        Path gguf = new GgufWriter(weights).write(dir.resolve("tiny.gguf"));
        LocalModel local = new LocalModel("tiny-gguf", dir, ModelFormats.GGUF, List.of("tiny.gguf"),
                List.of(Files.size(gguf)), Map.of(ModelFormats.ENTRY_FILE, "tiny.gguf"));
        try (InferenceEngine llamaEngine = new LlamaCppEngineFactory().create(TestRepos.context(dir, Map.of()));
             LoadedModel llama = llamaEngine.load(local, LoadOptions.cpu(2, 0))) {
            assertEquals(generate(llama, new Prompt.Text(text), 32), generate(model, new Prompt.Text(text), 32));
            Prompt chat = new Prompt.Chat(List.of(new ChatMessage("user", "Tell me a story.")));
            assertEquals(llama.countPromptTokens(chat), model.countPromptTokens(chat));
            assertEquals(generate(llama, chat, 32), generate(model, chat, 32));
        }
    }

    @Test
    void theModelReportsItsContextDeviceAndMemory() {
        assertEquals(512, model.info().contextLength());
        assertEquals("cpu", model.info().device());
        assertEquals(1, model.info().parallelSequences());
        assertTrue(model.info().supportsEmbeddings(), "a decoder embeds too");
        LocalModel local = TestRepos.local(repo);
        long cache = 2L * 2 * 2 * 16 * 512 * 4;
        assertEquals(local.totalBytes() + cache, model.info().memoryBytes());
        assertEquals(local.totalBytes() + cache, engine.estimateMemoryBytes(local, LoadOptions.cpu(1, 0)));
    }

    @Test
    void generationStopsWhereTheContextEnds() {
        // 505 prompt tokens in a 512 context: room for 7.
        String text = "x".repeat(504);
        assertEquals(505, model.countPromptTokens(new Prompt.Text(text)));
        GenerationResult result = model.generate(new GenerationRequest(new Prompt.Text(text), 100,
                SamplingParams.greedy()), piece -> true);
        assertEquals(new GenerationResult(GenerationResult.FinishReason.LENGTH, 505, 7), result);
    }

    @Test
    void everyGenerationReleasesItsKvCacheHoweverItEnds() {
        OnnxDecoder decoder = ((OnnxModel) model).decoder();
        model.generate(new GenerationRequest(new Prompt.Text("abc"), 5, SamplingParams.greedy()), piece -> true);
        model.generate(new GenerationRequest(new Prompt.Text("abc"), 50, SamplingParams.greedy()), piece -> false);
        assertThrows(ContextLengthExceededException.class, () -> model.generate(new GenerationRequest(
                new Prompt.Text("word ".repeat(200)), 5, SamplingParams.greedy()), piece -> true));
        assertThrows(IllegalStateException.class, () -> model.generate(new GenerationRequest(
                new Prompt.Text("abc"), 5, SamplingParams.greedy()), piece -> {
                    throw new IllegalStateException("the client went away");
                }));
        assertEquals(0, decoder.openSequences());
    }

    @Test
    void chatMessagesAreFormattedWithTheModelsTemplate() {
        Prompt chat = new Prompt.Chat(List.of(new ChatMessage("system", "Be brief."), new ChatMessage("user", "Hi!")));
        String rendered = "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi!<|im_end|>\n"
                + "<|im_start|>assistant\n";
        assertEquals(rendered, ((OnnxModel) model).render(chat));
        assertEquals(TinyVocabulary.get().encode(rendered).size() + 1, model.countPromptTokens(chat));
    }

    @Test
    void theEngineWorksOnHostThreadsWhoseContextLoaderCannotSeeThePlugin() throws Exception {
        // In the node the plugin lives in its own layer; request threads carry the host's context class loader.
        ClassLoader foreign = new java.net.URLClassLoader(new java.net.URL[0], null);
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread thread = new Thread(() -> {
            try (LoadedModel other = engine.load(TestRepos.local(repo), LoadOptions.cpu(1, 64))) {
                outcome.set(generate(other, new Prompt.Chat(List.of(new ChatMessage("user", "Hi!"))), 4));
            } catch (Throwable t) {
                outcome.set(t);
            }
        });
        thread.setContextClassLoader(foreign);
        thread.start();
        thread.join();
        if (outcome.get() instanceof Throwable t) {
            throw new AssertionError("failed with a foreign context class loader", t);
        }
        assertFalse(((String) outcome.get()).isEmpty());
    }

    @Test
    void anOptimumLayoutWithEmbeddedWeightsLoadsToo() throws Exception {
        Path optimum = dir.resolve("optimum");
        new OnnxWriter(weights).writeRepo(optimum);
        Files.move(optimum.resolve("onnx/model.onnx"), optimum.resolve("model.onnx"));
        Files.delete(optimum.resolve("onnx"));
        try (LoadedModel top = engine.load(TestRepos.local(optimum, "model.onnx"), LoadOptions.cpu(1, 0))) {
            assertEquals(generate(model, new Prompt.Text("Hello"), 16), generate(top, new Prompt.Text("Hello"), 16));
        }
    }

    @Test
    void aGraphWithAnUnexpectedSignatureFailsToLoadNamingWhatIsMissing() {
        Path noPast = dir.resolve("no-past");
        new OnnxWriter(weights).signature(OnnxWriter.Signature.standard().withPastKeyValues(false)).writeRepo(noPast);
        LocalModel local = TestRepos.local(noPast);
        assertTrue(engine.unsupportedReason(local).isEmpty(), "config.json alone looks fine");
        EngineException e = assertThrows(EngineException.class,
                () -> engine.load(local, LoadOptions.cpu(1, 0)));
        assertTrue(e.getMessage().startsWith("onnx/model.onnx does not have the decoder signature"), e.getMessage());
        assertTrue(e.getMessage().contains("missing inputs past_key_values.0.key"), e.getMessage());
    }

    @Test
    void whatTheEngineCannotRunIsNamedBeforeLoading() throws Exception {
        Path noTokenizer = dir.resolve("no-tokenizer");
        new OnnxWriter(weights).writeRepo(noTokenizer);
        Files.delete(noTokenizer.resolve("tokenizer.json"));
        assertEquals("the ONNX model has no tokenizer.json; the onnx engine needs the HuggingFace fast tokenizer file",
                engine.unsupportedReason(TestRepos.local(noTokenizer)).orElseThrow());

        Path noLayers = dir.resolve("no-layers");
        new OnnxWriter(weights).writeRepo(noLayers);
        Files.writeString(noLayers.resolve("config.json"), "{\"num_attention_heads\": 4, \"hidden_size\": 64, "
                + "\"vocab_size\": 378, \"max_position_embeddings\": 512}");
        assertEquals("config.json of the ONNX model has no num_hidden_layers or n_layer or num_layers; the onnx "
                + "engine needs it to feed the KV cache", engine.unsupportedReason(TestRepos.local(noLayers))
                .orElseThrow());

        assertEquals("the model's entry file config.json is not an ONNX graph (.onnx)",
                engine.unsupportedReason(TestRepos.local(repo, "config.json")).orElseThrow());
        assertTrue(engine.unsupportedReason(TestRepos.local(repo)).isEmpty());
    }

    @Test
    void theContextIsCappedBySettingOrRequest() {
        try (InferenceEngine capped = new OnnxEngineFactory().create(
                TestRepos.context(dir, Map.of(OnnxOptions.MAX_CONTEXT, "128")));
             LoadedModel small = capped.load(TestRepos.local(repo), LoadOptions.cpu(1, 0));
             LoadedModel asked = engine.load(TestRepos.local(repo), LoadOptions.cpu(1, 64));
             LoadedModel tooMuch = engine.load(TestRepos.local(repo), LoadOptions.cpu(1, 100_000))) {
            assertEquals(128, small.info().contextLength());
            assertEquals(64, asked.info().contextLength());
            assertEquals(512, tooMuch.info().contextLength(), "never more than the model's own");
            assertThrows(ContextLengthExceededException.class, () -> asked.generate(new GenerationRequest(
                    new Prompt.Text("word ".repeat(40)), 1, SamplingParams.greedy()), piece -> true));
        }
    }

    @Test
    void aGpuRequestWithTheCpuRuntimeRunsOnTheCpu() {
        try (LoadedModel gpu = engine.load(TestRepos.local(repo), LoadOptions.cpu(1, 0).onAccelerator())) {
            assertEquals("cpu", gpu.info().device());
            assertEquals(generate(model, new Prompt.Text("abc"), 8), generate(gpu, new Prompt.Text("abc"), 8));
        }
    }
}
