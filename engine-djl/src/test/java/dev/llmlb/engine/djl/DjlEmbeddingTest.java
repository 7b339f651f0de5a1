package dev.llmlb.engine.djl;

import dev.llmlb.api.engine.EmbeddingInput;
import dev.llmlb.api.engine.EmbeddingRequest;
import dev.llmlb.api.engine.EmbeddingResult;
import dev.llmlb.api.engine.InferenceEngine;
import dev.llmlb.api.engine.InvalidInputException;
import dev.llmlb.api.engine.LoadOptions;
import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.ModelInfo;
import dev.llmlb.testkit.models.EncoderRepoWriter;
import dev.llmlb.testkit.models.SafetensorsWriter;
import dev.llmlb.testkit.models.TinyBertConfig;
import dev.llmlb.testkit.models.TinyBertConfig.Family;
import dev.llmlb.testkit.models.TinyBertConfig.Pooling;
import dev.llmlb.testkit.models.TinyBertReference;
import dev.llmlb.testkit.models.TinyBertWeights;
import dev.llmlb.testkit.models.TinyLlamaConfig;
import dev.llmlb.testkit.models.TinyLlamaReference;
import dev.llmlb.testkit.models.TinyLlamaWeights;
import dev.llmlb.testkit.models.TinyVocabulary;
import dev.llmlb.testkit.models.TinyWordPiece;
import dev.llmlb.testkit.models.Vectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * engine-djl embeds: generated BERT, RoBERTa, XLM-RoBERTa and MPNet encoders in safetensors as the plain-Java
 * reference does, in padded batches, with each pooling; and a Llama decoder as llama.cpp pools one (the last token's
 * final hidden state, normalised), as the reference's hidden state.
 */
class DjlEmbeddingTest {

    static final List<String> TEXTS = List.of("hello world", "The cat sat on the mat.", "Is the dog in the model?",
            "hello ".repeat(20).strip(), "!!!", "42 cats, 7 dogs; 1000 mats", "Café naïve résumé", "sat");

    @TempDir
    static Path dir;
    static InferenceEngine engine;

    @BeforeAll
    static void start() {
        engine = TestModels.engine(dir);
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    static Stream<TinyBertConfig> encoders() {
        TinyBertConfig tiny = TinyBertConfig.tiny();
        return Stream.of(tiny,
                tiny.withFamily(Family.ROBERTA).withPooling(Pooling.CLS).withNormalize(false),
                tiny.withFamily(Family.XLM_ROBERTA).withPooling(Pooling.MAX, Pooling.MEAN),
                tiny.withFamily(Family.MPNET).withSeed(11),
                tiny.withPooling(Pooling.WEIGHTED_MEAN, Pooling.LAST_TOKEN, Pooling.MEAN_SQRT_LEN).withSeed(3));
    }

    @ParameterizedTest
    @MethodSource("encoders")
    void encodersEmbedAsTheReference(TinyBertConfig config) {
        TinyBertWeights weights = TinyBertWeights.generate(config);
        Path repo = new EncoderRepoWriter(weights).writeSafetensorsRepo(dir.resolve(config.family() + "-"
                + config.pooling() + config.seed()));
        assertEquals(Set.of(ModelInfo.Capability.EMBED),
                engine.capabilities(TestModels.local(repo, config.family().className())));
        try (LoadedModel model = engine.load(TestModels.local(repo, config.family().className()),
                LoadOptions.cpu(2, 0))) {
            assertEquals(Set.of(ModelInfo.Capability.EMBED), model.info().capabilities());
            EmbeddingResult result = model.embed(EmbeddingRequest.ofTexts(TEXTS));
            assertEquals(config.normalize(), result.normalized());
            TinyBertReference reference = new TinyBertReference(weights);
            for (int i = 0; i < TEXTS.size(); i++) {
                float[] expected = reference.embed(TEXTS.get(i));
                float[] actual = result.embeddings().get(i).vector();
                assertTrue(Vectors.maxDifference(expected, actual) < 1e-4, TEXTS.get(i) + ": differs by "
                        + Vectors.maxDifference(expected, actual));
            }
        }
    }

    @Test
    void weightsSavedWithATaskModelsPrefixLoadToo() {
        TinyBertWeights weights = TinyBertWeights.generate(TinyBertConfig.tiny());
        Path repo = new EncoderRepoWriter(weights).weightPrefix("bert.").writeSafetensorsRepo(dir.resolve("prefixed"));
        try (LoadedModel model = engine.load(TestModels.local(repo, "BertModel"), LoadOptions.cpu(2, 0))) {
            float[] actual = model.embed(EmbeddingRequest.ofTexts("hello world")).embeddings().get(0).vector();
            assertTrue(Vectors.maxDifference(new TinyBertReference(weights).embed("hello world"), actual) < 1e-4);
        }
    }

    @Test
    void anInputBeyondTheLimitIsRefused() {
        TinyBertConfig config = TinyBertConfig.tiny();
        Path repo = new EncoderRepoWriter(TinyBertWeights.generate(config)).writeSafetensorsRepo(dir.resolve("limit"));
        try (LoadedModel model = engine.load(TestModels.local(repo, "BertModel"), LoadOptions.cpu(2, 0))) {
            int[] ids = new int[config.maxTokens() + 1];
            java.util.Arrays.fill(ids, TinyWordPiece.SEP);
            InvalidInputException e = assertThrows(InvalidInputException.class,
                    () -> model.embed(new EmbeddingRequest(List.of(EmbeddingInput.Tokens.of(ids)))));
            assertEquals("input", e.param());
        }
    }

    @Test
    void aLlamaDecoderEmbedsItsLastTokensFinalHiddenState() {
        TinyLlamaWeights weights = TinyLlamaWeights.generate(TinyLlamaConfig.tiny());
        Path repo = new SafetensorsWriter(weights).writeRepo(dir.resolve("llama"));
        List<String> texts = List.of("Hello world", "Once upon a time", "a");
        try (LoadedModel model = engine.load(TestModels.local(repo, "LlamaForCausalLM"), LoadOptions.cpu(2, 0))) {
            assertEquals(Set.of(ModelInfo.Capability.GENERATE, ModelInfo.Capability.EMBED), model.info().capabilities());
            EmbeddingResult result = model.embed(EmbeddingRequest.ofTexts(texts));
            assertTrue(result.normalized());
            for (int i = 0; i < texts.size(); i++) {
                List<Integer> ids = new ArrayList<>();
                ids.add(TinyVocabulary.BOS);
                ids.addAll(TinyVocabulary.get().encode(texts.get(i)));
                float[] expected = TinyLlamaReference.embedding(weights, ids);
                assertTrue(Vectors.maxDifference(expected, result.embeddings().get(i).vector()) < 1e-4,
                        texts.get(i));
            }
        }
    }
}
