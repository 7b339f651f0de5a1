package dev.llmlb.engine.onnx;

import dev.langchain4j.model.embedding.onnx.OnnxEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.llmlb.api.engine.EmbeddingRequest;
import dev.llmlb.api.engine.EmbeddingResult;
import dev.llmlb.api.engine.InferenceEngine;
import dev.llmlb.api.engine.InvalidInputException;
import dev.llmlb.api.engine.LoadOptions;
import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.Prompt;
import dev.llmlb.testkit.models.AllMiniLmL6V2Repo;
import dev.llmlb.testkit.models.Vectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real sentence-transformers model, all-MiniLM-L6-v2, laid out as its HuggingFace repository: the engine's vectors,
 * computed in padded batches, match those LangChain4j computes from the same ONNX file one text at a time. LangChain4j
 * cuts inputs at the 128 tokens of {@code tokenizer.json}'s truncation setting, where sentence-transformers (and the
 * engine) take up to {@code max_seq_length} 256: longer texts are compared with LangChain4j's embedder over the same
 * graph and a copy of the tokenizer without that setting.
 */
class AllMiniLmL6V2Test {

    /** Several languages and scripts, punctuation, numbers, one text near the 256-token limit. */
    static final List<String> TEXTS = List.of(
            "The cat sits on the mat.",
            "Le chat est assis sur le tapis, n'est-ce pas ?",
            "Die Katze sitzt auf der Matte – schön!",
            "猫はマットの上に座っています。",
            "Кошка сидит на коврике.",
            "القطة تجلس على السجادة",
            "¿Dónde está la biblioteca? ¡Aquí!",
            "3.14159, 2.71828 & 1.41421 = constants; e-mail: someone@example.com",
            "!!!???...",
            "embeddings",
            ("Search engines rank documents by how close their embeddings are to the query's embedding, and a "
                    + "retrieval-augmented generator feeds the closest passages to a language model. ").repeat(6));

    @TempDir
    static Path dir;
    static InferenceEngine engine;
    static LoadedModel model;
    static AllMiniLmL6V2EmbeddingModel reference;
    static OnnxEmbeddingModel untruncated;

    @BeforeAll
    static void load() {
        engine = new OnnxEngineFactory().create(TestRepos.context(dir, Map.of()));
        Path repo = AllMiniLmL6V2Repo.write(dir.resolve("all-MiniLM-L6-v2"), AllMiniLmL6V2Test.class.getClassLoader());
        model = engine.load(TestRepos.local(repo), LoadOptions.cpu(2, 0));
        reference = new AllMiniLmL6V2EmbeddingModel();
        untruncated = new OnnxEmbeddingModel(repo.resolve("onnx/model.onnx"),
                AllMiniLmL6V2Repo.untruncatedTokenizer(repo, dir.resolve("tokenizer-untruncated.json")),
                PoolingMode.MEAN);
    }

    @AfterAll
    static void unload() {
        model.close();
        engine.close();
    }

    @Test
    void vectorsMatchLangChain4jsForVariedTexts() {
        EmbeddingResult result = model.embed(EmbeddingRequest.ofTexts(TEXTS));
        assertEquals(AllMiniLmL6V2Repo.DIMENSIONS, result.dimensions());
        assertTrue(result.normalized());
        for (int i = 0; i < TEXTS.size(); i++) {
            int tokens = model.countPromptTokens(new Prompt.Text(TEXTS.get(i)));
            float[] expected = (tokens <= 128 ? reference : untruncated).embed(TEXTS.get(i)).content().vector();
            double cosine = Vectors.cosine(expected, result.embeddings().get(i).vector());
            assertTrue(cosine >= 0.9999, "input " + i + ": cosine " + cosine);
        }
        int longest = model.countPromptTokens(new Prompt.Text(TEXTS.get(TEXTS.size() - 1)));
        assertTrue(longest > 200 && longest <= AllMiniLmL6V2Repo.MAX_SEQ_LENGTH, "the long text has " + longest);
    }

    @Test
    void moreInputsThanOneBatchKeepTheirOrder() {
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 70; i++) {
            many.add(TEXTS.get(i % TEXTS.size()) + " #" + i);
        }
        EmbeddingResult all = model.embed(EmbeddingRequest.ofTexts(many));
        for (int i : new int[] {0, 33, 69}) {
            float[] alone = model.embed(EmbeddingRequest.ofTexts(many.get(i))).embeddings().get(0).vector();
            assertTrue(Vectors.cosine(alone, all.embeddings().get(i).vector()) > 0.99999, "input " + i);
        }
    }

    @Test
    void anInputOverMaxSeqLengthIsRefused() {
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> model.embed(EmbeddingRequest.ofTexts("word ".repeat(300))));
        assertTrue(e.getMessage().contains("at most 256 tokens"), e.getMessage());
    }
}
