package dev.llmlb.engine.djl;

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
import dev.llmlb.testkit.models.SafetensorsWriter;
import dev.llmlb.testkit.models.TinyLlamaConfig;
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
import java.util.OptionalLong;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DjlEngineTest {

    @TempDir
    static Path dir;
    private static InferenceEngine engine;
    private static Path repo;
    private static LoadedModel model;

    @BeforeAll
    static void load() {
        engine = TestModels.engine(dir);
        repo = new SafetensorsWriter(TinyLlamaWeights.generate(TinyLlamaConfig.tiny())).writeRepo(dir.resolve("tiny"));
        model = engine.load(TestModels.local(repo, "LlamaForCausalLM"), LoadOptions.cpu(2, 0));
    }

    @AfterAll
    static void unload() {
        model.close();
    }

    static List<String> generate(LoadedModel m, Prompt prompt, int max, SamplingParams sampling) {
        List<String> pieces = new ArrayList<>();
        m.generate(new GenerationRequest(prompt, max, sampling), pieces::add);
        return pieces;
    }

    private static List<String> generate(Prompt prompt, int max, SamplingParams sampling) {
        return generate(model, prompt, max, sampling);
    }

    @Test
    void theFactoryIsProvidedAsAServiceAndNamesItsFormat() throws Exception {
        var provides = DjlEngineFactory.class.getModule().getDescriptor().provides();
        assertTrue(provides.stream().anyMatch(p -> p.service().equals(InferenceEngineFactory.class.getName())
                && p.providers().contains(DjlEngineFactory.class.getName())), provides.toString());
        try (var in = DjlEngineFactory.class.getModule()
                .getResourceAsStream("META-INF/services/" + InferenceEngineFactory.class.getName())) {
            assertEquals(DjlEngineFactory.class.getName(), new String(in.readAllBytes()).strip());
        }
        InferenceEngineFactory factory = new DjlEngineFactory();
        assertEquals("djl", factory.name());
        assertEquals(Set.of(ModelFormats.SAFETENSORS), factory.formats());
    }

    @Test
    void theModelReportsItsContextDeviceAndMemory() {
        assertEquals(512, model.info().contextLength());
        assertEquals("cpu", model.info().device());
        assertEquals(1, model.info().parallelSequences());
        long parameters = TinyLlamaWeights.generate(TinyLlamaConfig.tiny()).parameterCount();
        long cache = 2L * 2 * 512 * 32 * 4;
        assertEquals(parameters * 4 + cache, model.info().memoryBytes());
        assertEquals(parameters * 4 + cache, engine.estimateMemoryBytes(TestModels.local(repo, "LlamaForCausalLM"), LoadOptions.cpu(1, 0)));
    }



    @Test
    void maxTokensEndsWithLengthAndExactCounts() {
        List<String> pieces = new ArrayList<>();
        GenerationResult result = model.generate(new GenerationRequest(new Prompt.Text("abc"), 5,
                SamplingParams.greedy()), pieces::add);
        assertEquals(new GenerationResult(GenerationResult.FinishReason.LENGTH, 4, 5), result);
        assertEquals(5, pieces.size(), "one sink call per token");
    }

    @Test
    void theSinkStopsGenerationAtOnceAndTheModelWorksAfterwards() {
        List<String> pieces = new ArrayList<>();
        GenerationResult result = model.generate(new GenerationRequest(new Prompt.Text("abc"), 200,
                SamplingParams.greedy()), piece -> pieces.add(piece) && pieces.size() < 3);
        assertEquals(GenerationResult.FinishReason.STOPPED_BY_SINK, result.finishReason());
        assertEquals(3, pieces.size());
        assertEquals(3, result.completionTokens());
        List<String> full = generate(new Prompt.Text("abc"), 5, SamplingParams.greedy());
        assertEquals(pieces, full.subList(0, 3), "a new generation starts from a clean cache");
    }

    @Test
    void aPromptLongerThanTheContextIsRefused() {
        String tooLong = "word ".repeat(200);
        ContextLengthExceededException e = assertThrows(ContextLengthExceededException.class,
                () -> model.generate(new GenerationRequest(new Prompt.Text(tooLong), 10, SamplingParams.greedy()),
                        piece -> true));
        assertEquals(512, e.contextLength());
        assertEquals(model.countPromptTokens(new Prompt.Text(tooLong)), e.promptTokens());
        assertTrue(e.promptTokens() > 512);
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
    void chatMessagesAreFormattedWithTheModelsTemplate() {
        DjlModel djl = (DjlModel) model;
        Prompt chat = new Prompt.Chat(List.of(new ChatMessage("system", "Be brief."), new ChatMessage("user", "Hi!")));
        String rendered = "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi!<|im_end|>\n"
                + "<|im_start|>assistant\n";
        assertEquals(rendered, djl.render(chat));
        assertEquals(TinyVocabulary.get().encode(rendered).size() + 1, model.countPromptTokens(chat));
        assertFalse(generate(chat, 8, SamplingParams.greedy()).isEmpty());
    }

    @Test
    void textOutsideTheVocabularyIsTokenizedByBytesAndGeneratedTextIsValidUtf8() {
        for (String text : List.of("héllo 日本 🙂", "tabs\tand\nnewlines", "")) {
            assertEquals(TinyVocabulary.get().encode(text).size() + 1, model.countPromptTokens(new Prompt.Text(text)),
                    text);
        }
        // Sampling at a high temperature reaches the byte tokens; no piece splits a character (a surrogate pair
        // stays together), and each token gets exactly one sink call.
        List<String> pieces = new ArrayList<>();
        GenerationResult result = model.generate(new GenerationRequest(new Prompt.Text("日本"), 64,
                new SamplingParams(3.0, 1.0, OptionalLong.of(7), 0, 0)), pieces::add);
        assertEquals(result.completionTokens(), pieces.size());
        assertTrue(pieces.stream().anyMatch(String::isEmpty), "some bytes wait for the rest of their character");
        for (String piece : pieces) {
            for (int i = 0; i < piece.length(); i++) {
                char c = piece.charAt(i);
                if (Character.isHighSurrogate(c)) {
                    assertTrue(i + 1 < piece.length() && Character.isLowSurrogate(piece.charAt(++i)), piece);
                } else {
                    assertFalse(Character.isLowSurrogate(c), piece);
                }
            }
        }
    }

    @Test
    void theEngineWorksOnHostThreadsWhoseContextLoaderCannotSeeThePlugin() throws Exception {
        // In the node the plugin lives in its own layer; request threads carry the host's context class loader,
        // through which DJL and Jinjava would look for their own classes and natives in vain.
        // Its parent is the VM's boot loader: the platform loader would still find the test's modules.
        ClassLoader foreign = new java.net.URLClassLoader(new java.net.URL[0], null);
        java.util.concurrent.atomic.AtomicReference<Object> outcome = new java.util.concurrent.atomic.AtomicReference<>();
        Thread thread = new Thread(() -> {
            try (LoadedModel other = engine.load(TestModels.local(repo, "LlamaForCausalLM"),
                    LoadOptions.cpu(1, 64))) {
                outcome.set(generate(other, new Prompt.Chat(List.of(new ChatMessage("user", "Hi!"))), 4,
                        SamplingParams.greedy()));
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
        assertEquals(4, ((List<?>) outcome.get()).size());
    }

    @Test
    void anUnsupportedArchitectureIsNamedBeforeLoading() throws Exception {
        Path gpt2 = dir.resolve("gpt2");
        Files.createDirectories(gpt2);
        Files.writeString(gpt2.resolve("config.json"), "{\"architectures\": [\"GPT2LMHeadModel\"], \"n_embd\": 64}");
        LocalModel local = TestModels.local(gpt2, "GPT2LMHeadModel");
        String reason = engine.unsupportedReason(local).orElseThrow();
        assertTrue(reason.contains("GPT2LMHeadModel") && reason.contains("LlamaForCausalLM"), reason);
        EngineException e = assertThrows(EngineException.class,
                () -> engine.load(local, LoadOptions.cpu(1, 0)));
        assertTrue(e.getMessage().contains("tokenizer.json") || e.getMessage().contains("GPT2LMHeadModel"),
                e.getMessage());
        assertTrue(engine.unsupportedReason(TestModels.local(repo, "LlamaForCausalLM")).isEmpty());
    }

    @Test
    void anUnsupportedRopeScalingIsNamed() throws Exception {
        Path yarn = dir.resolve("yarn");
        Files.createDirectories(yarn);
        Files.writeString(yarn.resolve("config.json"), "{\"architectures\": [\"Qwen2ForCausalLM\"], "
                + "\"rope_scaling\": {\"type\": \"yarn\", \"factor\": 4.0}}");
        String reason = engine.unsupportedReason(TestModels.local(yarn, "Qwen2ForCausalLM")).orElseThrow();
        assertTrue(reason.contains("yarn"), reason);
    }

    @Test
    void aMissingShardIsNamed() throws Exception {
        Path sharded = new SafetensorsWriter(TinyLlamaWeights.generate(TinyLlamaConfig.tiny())).shards(2)
                .writeRepo(dir.resolve("sharded"));
        Files.delete(sharded.resolve("model-00002-of-00002.safetensors"));
        EngineException e = assertThrows(EngineException.class,
                () -> engine.load(TestModels.local(sharded, "LlamaForCausalLM"), LoadOptions.cpu(1, 0)));
        assertTrue(e.getMessage().contains("model-00002-of-00002.safetensors"), e.getMessage());
    }

    @Test
    void aSmallerContextCanBeAskedFor() {
        try (LoadedModel small = engine.load(TestModels.local(repo, "LlamaForCausalLM"),
                LoadOptions.cpu(1, 64))) {
            assertEquals(64, small.info().contextLength());
            assertThrows(ContextLengthExceededException.class, () -> small.generate(new GenerationRequest(
                    new Prompt.Text("word ".repeat(40)), 1, SamplingParams.greedy()), piece -> true));
        }
    }
}
