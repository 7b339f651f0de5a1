package dev.llmlb.engine.onnx;

import dev.llmlb.api.engine.EmbeddingInput;
import dev.llmlb.api.engine.EmbeddingRequest;
import dev.llmlb.api.engine.EmbeddingResult;
import dev.llmlb.api.engine.EngineException;
import dev.llmlb.api.engine.GenerationRequest;
import dev.llmlb.api.engine.InferenceEngine;
import dev.llmlb.api.engine.InvalidInputException;
import dev.llmlb.api.engine.LoadOptions;
import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.ModelInfo;
import dev.llmlb.api.engine.Prompt;
import dev.llmlb.api.engine.SamplingParams;
import dev.llmlb.testkit.models.EncoderRepoWriter;
import dev.llmlb.testkit.models.TinyBertConfig;
import dev.llmlb.testkit.models.TinyBertConfig.Family;
import dev.llmlb.testkit.models.TinyBertConfig.Pooling;
import dev.llmlb.testkit.models.TinyBertReference;
import dev.llmlb.testkit.models.TinyBertWeights;
import dev.llmlb.testkit.models.TinyWordPiece;
import dev.llmlb.testkit.models.Vectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Encoders exported to ONNX (generated BERT, RoBERTa, XLM-RoBERTa and MPNet graphs in sentence-transformers
 * repositories) embed as the plain-Java reference does, in padded batches, with each pooling the repository
 * declares.
 */
class OnnxEncoderTest {

    /** Short and long, punctuation, digits, accents, characters the vocabulary lacks. */
    static final List<String> TEXTS = List.of("hello world", "The cat sat on the mat.", "Is the dog in the model?",
            "hello ".repeat(20).strip(), "!!!", "42 cats, 7 dogs; 1000 mats", "Café naïve résumé",
            "日本語 and emoji 🙂", "sat");

    @TempDir
    static Path dir;
    static InferenceEngine engine;

    @BeforeAll
    static void start() {
        engine = new OnnxEngineFactory().create(TestRepos.context(dir, Map.of()));
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    static Stream<TinyBertConfig> models() {
        TinyBertConfig tiny = TinyBertConfig.tiny();
        return Stream.of(tiny,
                tiny.withFamily(Family.ROBERTA).withPooling(Pooling.CLS).withNormalize(false),
                tiny.withFamily(Family.XLM_ROBERTA).withPooling(Pooling.MAX, Pooling.MEAN),
                tiny.withFamily(Family.MPNET).withSeed(11),
                tiny.withPooling(Pooling.WEIGHTED_MEAN, Pooling.LAST_TOKEN, Pooling.MEAN_SQRT_LEN).withSeed(3));
    }

    static LoadedModel load(TinyBertConfig config, String name) {
        Path repo = new EncoderRepoWriter(TinyBertWeights.generate(config)).writeOnnxRepo(dir.resolve(name));
        return engine.load(TestRepos.local(repo), LoadOptions.cpu(2, 0));
    }

    @ParameterizedTest
    @MethodSource("models")
    void aBatchOfTextsEmbedsAsTheReferenceDoesEachAlone(TinyBertConfig config) {
        TinyBertReference reference = new TinyBertReference(TinyBertWeights.generate(config));
        try (LoadedModel model = load(config, config.family() + "-" + config.pooling() + config.seed())) {
            assertEquals(Set.of(ModelInfo.Capability.EMBED), model.info().capabilities());
            assertEquals(config.maxTokens(), model.info().contextLength());
            EmbeddingResult result = model.embed(EmbeddingRequest.ofTexts(TEXTS));
            assertEquals(TEXTS.size(), result.embeddings().size());
            assertEquals(config.normalize(), result.normalized());
            assertEquals(config.pooling().size() * config.hiddenSize(), result.dimensions());
            int tokens = 0;
            for (int i = 0; i < TEXTS.size(); i++) {
                float[] expected = reference.embed(TEXTS.get(i));
                float[] actual = result.embeddings().get(i).vector();
                assertTrue(Vectors.maxDifference(expected, actual) < 1e-4, TEXTS.get(i) + ": differs by "
                        + Vectors.maxDifference(expected, actual));
                tokens += TinyWordPiece.get().encode(TEXTS.get(i)).size();
            }
            assertEquals(tokens, result.promptTokens());
            if (config.normalize()) {
                assertEquals(1.0, result.embeddings().get(0).norm(), 1e-5);
            } else {
                assertTrue(Math.abs(result.embeddings().get(0).norm() - 1.0) > 1e-3, "not normalised");
            }
        }
    }

    @Test
    void tokenInputsAreFedAsGivenAndMatchTheirText() {
        TinyBertConfig config = TinyBertConfig.tiny();
        try (LoadedModel model = load(config, "tokens")) {
            List<Integer> ids = TinyWordPiece.get().encode("The cat sat on the mat.");
            EmbeddingResult result = model.embed(new EmbeddingRequest(List.of(
                    new EmbeddingInput.Text("The cat sat on the mat."),
                    EmbeddingInput.Tokens.of(ids.stream().mapToInt(Integer::intValue).toArray()),
                    EmbeddingInput.Tokens.of(ids.subList(1, ids.size() - 1).stream().mapToInt(Integer::intValue)
                            .toArray()))));
            assertEquals(result.embeddings().get(0), result.embeddings().get(1));
            float[] withoutSpecialTokens = new TinyBertReference(TinyBertWeights.generate(config))
                    .embed(ids.subList(1, ids.size() - 1));
            assertTrue(Vectors.maxDifference(withoutSpecialTokens, result.embeddings().get(2).vector()) < 1e-4,
                    "token ids are fed without adding [CLS] and [SEP]");
        }
    }

    @Test
    void inputsTooLongOrOutsideTheVocabularyAreRefusedNamingThemBeforeAnythingRuns() {
        TinyBertConfig config = TinyBertConfig.tiny();
        try (LoadedModel model = load(config, "limits")) {
            String fits = "hello ".repeat(config.maxTokens() - 2).strip();
            assertEquals(1, model.embed(EmbeddingRequest.ofTexts(fits)).embeddings().size());
            InvalidInputException tooLong = assertThrows(InvalidInputException.class,
                    () -> model.embed(EmbeddingRequest.ofTexts("ok", fits + " hello")));
            assertEquals("input[1]", tooLong.param());
            assertEquals("context_length_exceeded", tooLong.code());
            assertTrue(tooLong.getMessage().contains(config.maxTokens() + " tokens"), tooLong.getMessage());
            InvalidInputException unknown = assertThrows(InvalidInputException.class,
                    () -> model.embed(new EmbeddingRequest(List.of(EmbeddingInput.Tokens.of(2, 99999, 3)))));
            assertEquals("input", unknown.param());
            assertTrue(unknown.getMessage().contains("99999"), unknown.getMessage());
        }
    }

    @Test
    void anEmbeddingModelDoesNotGenerate() {
        try (LoadedModel model = load(TinyBertConfig.tiny(), "no-chat")) {
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> model.generate(new GenerationRequest(new Prompt.Text("hi"), 4, SamplingParams.greedy()),
                            t -> true));
            assertTrue(e.getMessage().contains("embedding model"), e.getMessage());
        }
    }

    @Test
    void aRepositoryWithoutSentenceTransformersFilesMeanPoolsWithoutNormalising() {
        TinyBertConfig config = TinyBertConfig.tiny().withPooling(Pooling.MEAN).withNormalize(false)
                .withMaxSeqLength(0);
        Path repo = new EncoderRepoWriter(TinyBertWeights.generate(config)).sentenceTransformers(false)
                .writeOnnxRepo(dir.resolve("bare"));
        assertFalse(Files.exists(repo.resolve("modules.json")));
        try (LoadedModel model = engine.load(TestRepos.local(repo), LoadOptions.cpu(2, 0))) {
            float[] expected = new TinyBertReference(TinyBertWeights.generate(config)).embed("hello world");
            EmbeddingResult result = model.embed(EmbeddingRequest.ofTexts("hello world"));
            assertFalse(result.normalized());
            assertTrue(Vectors.maxDifference(expected, result.embeddings().get(0).vector()) < 1e-4);
            assertEquals(config.positions(), model.info().contextLength(), "max_position_embeddings bounds inputs");
        }
    }

    @Test
    void aDenseModuleIsRefusedAtLoadNamingIt() throws Exception {
        Path repo = new EncoderRepoWriter(TinyBertWeights.generate(TinyBertConfig.tiny()))
                .writeOnnxRepo(dir.resolve("dense"));
        Files.writeString(repo.resolve("modules.json"), Files.readString(repo.resolve("modules.json"))
                .replace("\"2_Normalize\", \"type\": \"sentence_transformers.models.Normalize\"",
                        "\"2_Dense\", \"type\": \"sentence_transformers.models.Dense\""));
        EngineException e = assertThrows(EngineException.class,
                () -> engine.load(TestRepos.local(repo), LoadOptions.cpu(2, 0)));
        assertTrue(e.getMessage().contains("Dense"), e.getMessage());
    }

    @Test
    void theEngineSaysAnEncoderOnlyEmbedsBeforeLoadingIt() {
        Path repo = new EncoderRepoWriter(TinyBertWeights.generate(TinyBertConfig.tiny()))
                .writeOnnxRepo(dir.resolve("listed"));
        assertEquals(Set.of(ModelInfo.Capability.EMBED), engine.capabilities(TestRepos.local(repo)));
        assertTrue(engine.unsupportedReason(TestRepos.local(repo)).isEmpty());
    }
}
