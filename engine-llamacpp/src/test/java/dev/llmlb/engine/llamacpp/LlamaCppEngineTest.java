package dev.llmlb.engine.llamacpp;

import dev.llmlb.testkit.tck.TestPluginContext;
import dev.llmlb.api.PluginContext;
import dev.llmlb.api.engine.ChatMessage;
import dev.llmlb.api.engine.ContextLengthExceededException;
import dev.llmlb.api.engine.EmbeddingInput;
import dev.llmlb.api.engine.EmbeddingRequest;
import dev.llmlb.api.engine.EmbeddingResult;
import dev.llmlb.api.engine.InvalidInputException;
import dev.llmlb.api.engine.GenerationRequest;
import dev.llmlb.api.engine.GenerationResult;
import dev.llmlb.api.engine.InferenceEngine;
import dev.llmlb.api.engine.LoadOptions;
import dev.llmlb.api.engine.ModelInfo;
import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.LocalModel;
import dev.llmlb.api.engine.Prompt;
import dev.llmlb.api.engine.SamplingParams;
import dev.llmlb.testkit.models.GgufWriter;
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
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LlamaCppEngineTest {

    @TempDir
    static Path dir;
    private static TinyLlamaWeights weights;
    private static LoadedModel model;

    static final PluginContext CONTEXT = TestPluginContext.in(Path.of(System.getProperty("java.io.tmpdir")));

    static LocalModel local(Path file) throws Exception {
        return new LocalModel("tiny", file.getParent(), "gguf", List.of(file.getFileName().toString()),
                List.of(Files.size(file)), Map.of("entry_file", file.getFileName().toString()));
    }

    static InferenceEngine engine() {
        return new LlamaCppEngineFactory().create(CONTEXT);
    }

    @BeforeAll
    static void load() throws Exception {
        weights = TinyLlamaWeights.generate(TinyLlamaConfig.tiny());
        Path file = new GgufWriter(weights).write(dir.resolve("tiny.gguf"));
        model = engine().load(local(file), LoadOptions.cpu(2, 0));
    }

    @AfterAll
    static void unload() {
        model.close();
    }

    private static List<String> generate(Prompt prompt, int max, SamplingParams sampling) {
        List<String> pieces = new ArrayList<>();
        model.generate(new GenerationRequest(prompt, max, sampling), piece -> pieces.add(piece));
        return pieces;
    }

    @Test
    void greedyGenerationMatchesTheReferenceImplementationFor32Tokens() {
        String text = "The quick brown fox";
        List<Integer> prompt = new ArrayList<>();
        prompt.add(TinyVocabulary.BOS);
        prompt.addAll(TinyVocabulary.get().encode(text));
        List<Integer> expected = new TinyLlamaReference(weights).greedy(prompt, 32);
        List<String> pieces = generate(new Prompt.Text(text), 32, SamplingParams.greedy());
        assertEquals(TinyVocabulary.get().decode(expected), String.join("", pieces),
                "reference tokens " + expected);
        assertEquals(prompt.size(), model.countPromptTokens(new Prompt.Text(text)));
    }



    @Test
    void maxTokensEndsWithLength() {
        List<String> pieces = new ArrayList<>();
        GenerationResult result = model.generate(new GenerationRequest(new Prompt.Text("abc"), 5,
                SamplingParams.greedy()), pieces::add);
        assertEquals(GenerationResult.FinishReason.LENGTH, result.finishReason(), pieces.toString());
        assertEquals(5, result.completionTokens());
        // llama.cpp holds back a token that ends inside a UTF-8 character and sends it with the next one.
        assertTrue(pieces.size() <= 5 && !pieces.isEmpty(), pieces.toString());
        assertEquals(4, result.promptTokens());
    }

    @Test
    void theSinkStopsGenerationAtOnce() {
        List<String> pieces = new ArrayList<>();
        GenerationResult result = model.generate(new GenerationRequest(new Prompt.Text("abc"), 200,
                SamplingParams.greedy()), piece -> pieces.add(piece) && pieces.size() < 3);
        assertEquals(GenerationResult.FinishReason.STOPPED_BY_SINK, result.finishReason());
        assertEquals(3, pieces.size());
        assertEquals(3, result.completionTokens());
        assertEquals(generate(new Prompt.Text("abc"), 4, SamplingParams.greedy()),
                generate(new Prompt.Text("abc"), 4, SamplingParams.greedy()),
                "the model works normally after a cancelled generation");
    }

    @Test
    void aPromptLongerThanTheContextIsRefused() {
        String tooLong = "word ".repeat(200);
        ContextLengthExceededException e = assertThrows(ContextLengthExceededException.class,
                () -> model.generate(new GenerationRequest(new Prompt.Text(tooLong), 10, SamplingParams.greedy()),
                        piece -> true));
        assertEquals(512, e.contextLength());
        assertTrue(e.promptTokens() > 512);
    }

    @Test
    void chatMessagesAreFormattedWithTheModelsTemplate() {
        LlamaCppModel llama = (LlamaCppModel) model;
        Prompt chat = new Prompt.Chat(List.of(new ChatMessage("system", "Be brief."), new ChatMessage("user", "Hi!")));
        String rendered = llama.formattedPrompt(chat);
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi!<|im_end|>\n"
                + "<|im_start|>assistant\n", rendered);
        assertTrue(model.countPromptTokens(chat) > model.countPromptTokens(new Prompt.Text("Be brief.Hi!")));
        assertTrue(generate(chat, 8, SamplingParams.greedy()).size() > 0);
    }

    @Test
    void textOutsideTheVocabularyIsTokenizedByBytesLikeTheReference() {
        for (String text : List.of("héllo 日本 🙂", "tabs\tand\nnewlines", "the end is near", "")) {
            assertEquals(TinyVocabulary.get().encode(text).size() + 1, model.countPromptTokens(new Prompt.Text(text)),
                    text);
        }
    }

    @Test
    void embeddingsHaveTheModelsWidthAndTellInputsApart() throws Exception {
        EmbeddingResult result = model.embed(EmbeddingRequest.ofTexts("hello world", "something else entirely"));
        assertEquals(2, result.embeddings().size());
        assertEquals(64, result.dimensions());
        assertNotEquals(result.embeddings().get(0), result.embeddings().get(1));
        assertTrue(result.promptTokens() > 4);
        assertTrue(result.normalized());
        assertEquals(1.0, result.embeddings().get(0).norm(), 1e-5, "llama.cpp normalises as the result says");
        assertTrue(engine().capabilities(local(dir.resolve("tiny.gguf"))).contains(ModelInfo.Capability.EMBED),
                "listed as an embedding model before it loads");
    }

    @Test
    void tokenInputsAndTooLongInputsAreRefusedNamingTheInput() {
        EmbeddingRequest tokens = new EmbeddingRequest(List.of(new EmbeddingInput.Text("fine"),
                EmbeddingInput.Tokens.of(1, 2, 3)));
        InvalidInputException refused = assertThrows(InvalidInputException.class, () -> model.embed(tokens));
        assertEquals("input[1]", refused.param());
        InvalidInputException tooLong = assertThrows(InvalidInputException.class,
                () -> model.embed(EmbeddingRequest.ofTexts("word ".repeat(5000))));
        assertEquals("input", tooLong.param());
        assertEquals("context_length_exceeded", tooLong.code());
    }
}
