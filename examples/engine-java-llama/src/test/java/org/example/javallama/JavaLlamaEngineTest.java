package org.example.javallama;

import dev.llmlb.api.engine.GenerationRequest;
import dev.llmlb.api.engine.GenerationResult;
import dev.llmlb.api.engine.LoadOptions;
import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.LocalModel;
import dev.llmlb.api.engine.Prompt;
import dev.llmlb.api.engine.SamplingParams;
import dev.llmlb.testkit.models.TinyLlamaConfig;
import dev.llmlb.testkit.models.TinyLlamaReference;
import dev.llmlb.testkit.models.TinyLlamaWeights;
import dev.llmlb.testkit.models.TinyVocabulary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the engine computes, against the testkit's plain-Java reference of the same weights. */
class JavaLlamaEngineTest {

    @TempDir
    Path folder;

    private final JavaLlamaEngine engine = new JavaLlamaEngine();

    private static String greedy(LoadedModel model, String prompt, int tokens) {
        StringBuilder text = new StringBuilder();
        model.generate(new GenerationRequest(new Prompt.Text(prompt), tokens, SamplingParams.greedy()),
                piece -> text.append(piece) != null);
        return text.toString();
    }

    /** The reference's greedy continuation of {@code prompt} (BOS first, as the GGUF asks), as text. */
    private static String referenceGreedy(TinyLlamaWeights weights, String prompt, int tokens) {
        List<Integer> input = new ArrayList<>(List.of(TinyVocabulary.BOS));
        input.addAll(TinyVocabulary.get().encode(prompt));
        List<Integer> out = new TinyLlamaReference(weights).greedy(input, tokens);
        out.remove(Integer.valueOf(TinyVocabulary.EOS));
        return TinyVocabulary.get().decode(out);
    }

    @Test
    void greedyTextMatchesTheReferenceForwardPass() {
        for (TinyLlamaConfig config : List.of(TinyLlamaConfig.tiny(), TinyLlamaConfig.tiny().withSeed(5)
                .withTiedEmbeddings(true))) {
            TinyLlamaWeights weights = TinyLlamaWeights.generate(config);
            LocalModel local = TinyGguf.write(weights, folder.resolve("seed-" + config.seed()));
            try (LoadedModel model = engine.load(local, LoadOptions.cpu(1, 0))) {
                for (String prompt : List.of("Once upon a time", "The weather in here", "x")) {
                    assertEquals(referenceGreedy(weights, prompt, 20), greedy(model, prompt, 20),
                            prompt + " with " + config);
                }
            }
        }
    }

    @Test
    void tokenizationMatchesTheVocabularysSentencePieceRules() throws IOException {
        LocalModel local = TinyGguf.write(TinyLlamaWeights.generate(TinyLlamaConfig.tiny()), folder);
        LlamaTokenizer tokenizer = new LlamaTokenizer(GgufFile.open(local.entryFile()));
        for (String text : List.of("the weather is sunny", "Hello, world!", "caf\u00e9 \u65e5\u672c", "  two  spaces",
                "ingest the rings")) {
            List<Integer> expected = new ArrayList<>(List.of(TinyVocabulary.BOS));
            expected.addAll(TinyVocabulary.get().encode(text));
            assertEquals(expected, tokenizer.encode(text), text);
        }
        assertEquals(List.of(TinyVocabulary.BOS, TinyVocabulary.EOS), tokenizer.encode("</s>"),
                "control tokens written in the text are themselves");
    }

    @Test
    void aCharacterSplitOverByteTokensIsHandedOverWhole() throws IOException {
        LocalModel local = TinyGguf.write(TinyLlamaWeights.generate(TinyLlamaConfig.tiny()), folder);
        LlamaTokenizer tokenizer = new LlamaTokenizer(GgufFile.open(local.entryFile()));
        LlamaTokenizer.Detokenizer text = tokenizer.new Detokenizer();
        byte[] bytes = "\u65e5".getBytes(StandardCharsets.UTF_8);
        assertEquals("", text.next(TinyVocabulary.byteToken(bytes[0])));
        assertEquals("", text.next(TinyVocabulary.byteToken(bytes[1])));
        assertEquals("\u65e5", text.next(TinyVocabulary.byteToken(bytes[2])));
        assertEquals("a", text.next(tokenizer.encode("a").get(1)));
    }

    @Test
    void generationsRunAtOnceAndEachGetsItsOwnCache() throws Exception {
        LocalModel local = TinyGguf.write(TinyLlamaWeights.generate(TinyLlamaConfig.tiny()), folder);
        try (LoadedModel model = engine.load(local, LoadOptions.cpu(2, 0).withParallelSequences(4))) {
            assertEquals(4, model.info().parallelSequences());
            List<String> prompts = List.of("Once upon a time", "The weather today", "Hello there", "Good morning");
            List<String> alone = prompts.stream().map(p -> greedy(model, p, 24)).toList();
            ExecutorService pool = Executors.newFixedThreadPool(prompts.size());
            try {
                CyclicBarrier start = new CyclicBarrier(prompts.size());
                List<Future<String>> together = new ArrayList<>();
                for (String prompt : prompts) {
                    together.add(pool.submit(() -> {
                        start.await();
                        return greedy(model, prompt, 24);
                    }));
                }
                for (int i = 0; i < prompts.size(); i++) {
                    assertEquals(alone.get(i), together.get(i).get(60, TimeUnit.SECONDS), prompts.get(i));
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void theContextCapsTheGenerationAtLengthWithExactCounts() {
        LocalModel local = TinyGguf.write(TinyLlamaWeights.generate(TinyLlamaConfig.tiny()), folder);
        try (LoadedModel model = engine.load(local, LoadOptions.cpu(1, 12))) {
            assertEquals(12, model.info().contextLength());
            Prompt prompt = new Prompt.Text("Once upon");
            int promptTokens = model.countPromptTokens(prompt);
            List<String> pieces = new ArrayList<>();
            GenerationResult result = model.generate(new GenerationRequest(prompt, 100, SamplingParams.greedy()),
                    pieces::add);
            if (result.finishReason() == GenerationResult.FinishReason.LENGTH) {
                assertEquals(12 - promptTokens, result.completionTokens());
            }
            assertEquals(result.completionTokens(), pieces.size());
        }
    }

    @Test
    void modelsItCannotRunAreRefusedWithAReason() throws IOException {
        Path other = folder.resolve("other");
        LocalModel llama = TinyGguf.write(TinyLlamaWeights.generate(TinyLlamaConfig.tiny()), other);
        byte[] bytes = Files.readAllBytes(llama.entryFile());
        String latin = new String(bytes, StandardCharsets.ISO_8859_1).replace("llama", "mamba");
        Files.write(llama.entryFile(), latin.getBytes(StandardCharsets.ISO_8859_1));
        assertEquals(Optional.of("architecture mamba is not supported (java_llama runs llama)"),
                engine.unsupportedReason(llama));

        Path junk = Files.createDirectories(folder.resolve("junk")).resolve("model.gguf");
        Files.writeString(junk, "not a model at all");
        String reason = engine.unsupportedReason(TinyGguf.local(junk)).orElseThrow();
        assertTrue(reason.contains("model.gguf is not a readable GGUF file"), reason);
    }
}
