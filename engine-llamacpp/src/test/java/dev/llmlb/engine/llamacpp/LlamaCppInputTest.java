package dev.llmlb.engine.llamacpp;

import dev.llmlb.api.engine.ChatMessage;
import dev.llmlb.api.engine.EmbeddingRequest;
import dev.llmlb.api.engine.GenerationRequest;
import dev.llmlb.api.engine.InferenceEngine;
import dev.llmlb.api.engine.InvalidInputException;
import dev.llmlb.api.engine.LoadOptions;
import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.LocalModel;
import dev.llmlb.api.engine.Prompt;
import dev.llmlb.api.engine.SamplingParams;
import dev.llmlb.testkit.models.GgufWriter;
import dev.llmlb.testkit.models.TinyLlamaConfig;
import dev.llmlb.testkit.models.TinyLlamaWeights;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Input llama.cpp cannot take as it is: refused as the request's fault, or carried through intact. */
class LlamaCppInputTest {

    @TempDir
    static Path dir;
    private static InferenceEngine engine;
    private static LoadedModel model;
    private static LoadedModel withoutStartToken;

    @BeforeAll
    static void load() throws Exception {
        GgufWriter writer = new GgufWriter(TinyLlamaWeights.generate(TinyLlamaConfig.tiny()));
        engine = new LlamaCppEngineFactory().create(TinyModels.context(Map.of(), dir));
        model = engine.load(TinyModels.write(writer, Files.createDirectories(dir.resolve("a")), "tiny"),
                LoadOptions.cpu(2, 0).withParallelSequences(2));
        LocalModel noBos = TinyModels.write(writer, Files.createDirectories(dir.resolve("b")), "no-bos");
        TinyModels.withoutStartToken(noBos.entryFile());
        withoutStartToken = engine.load(noBos, LoadOptions.cpu(2, 0));
    }

    @AfterAll
    static void unload() {
        model.close();
        withoutStartToken.close();
        engine.close();
    }

    private static InvalidInputException refused(String param, Executable call) {
        InvalidInputException e = assertThrows(InvalidInputException.class, call::run);
        assertEquals(param, e.param());
        assertEquals("invalid_input", e.code());
        return e;
    }

    private interface Executable {
        void run() throws Throwable;
    }

    @Test
    void anEmptyPromptWithNoStartTokenIsTheRequestsFaultAndNothingRuns() {
        List<String> pieces = new ArrayList<>();
        InvalidInputException e = refused("prompt", () -> withoutStartToken.generate(new GenerationRequest(
                new Prompt.Text(""), 4, SamplingParams.greedy()), pieces::add));
        assertTrue(e.getMessage().contains("nothing to continue"), e.getMessage());
        assertEquals(List.of(), pieces);
        assertEquals(4, TinyModels.greedy(withoutStartToken, "abc", 4).result().completionTokens(),
                "the model serves the next request");
        assertEquals(4, TinyModels.greedy(model, "", 4).result().completionTokens(),
                "with a start token an empty prompt continues from it");
    }

    @Test
    void unpairedSurrogatesAreRefusedNamingTheField() {
        List<String> pieces = new ArrayList<>();
        InvalidInputException e = refused("prompt", () -> model.generate(new GenerationRequest(
                new Prompt.Text("ab\uD800c"), 4, SamplingParams.greedy()), pieces::add));
        assertTrue(e.getMessage().contains("\\uD800 at character 2"), e.getMessage());
        refused("prompt", () -> model.countPromptTokens(new Prompt.Text("trailing \uDBFF")));
        refused("messages", () -> model.countPromptTokens(new Prompt.Chat(List.of(
                new ChatMessage("user", "reversed \uDC00\uD800 pair")))));
        refused("input[1]", () -> model.embed(EmbeddingRequest.ofTexts("fine", "lone \uDFFF")));
        assertEquals(List.of(), pieces);
    }

    @Test
    void emojiAndNulInChatMessagesSurviveTheTemplate() {
        LlamaCppModel llama = (LlamaCppModel) model;
        Prompt chat = new Prompt.Chat(List.of(new ChatMessage("system", "Reply with 🙂 or 🙃."),
                new ChatMessage("user", "emoji 🙂 ok, a NUL \u0000 here, private \uE000 too")));
        assertEquals("<|im_start|>system\nReply with 🙂 or 🙃.<|im_end|>\n<|im_start|>user\nemoji 🙂 ok, a NUL \u0000 "
                + "here, private \uE000 too<|im_end|>\n<|im_start|>assistant\n", llama.formattedPrompt(chat));
    }
}
