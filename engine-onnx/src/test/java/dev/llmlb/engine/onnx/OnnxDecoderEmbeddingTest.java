package dev.llmlb.engine.onnx;

import dev.llmlb.api.engine.EmbeddingInput;
import dev.llmlb.api.engine.EmbeddingRequest;
import dev.llmlb.api.engine.EmbeddingResult;
import dev.llmlb.api.engine.InferenceEngine;
import dev.llmlb.api.engine.LoadOptions;
import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.LocalModel;
import dev.llmlb.api.engine.ModelInfo;
import dev.llmlb.api.source.ModelFormats;
import dev.llmlb.engine.llamacpp.LlamaCppEngineFactory;
import dev.llmlb.testkit.models.GgufWriter;
import dev.llmlb.testkit.models.OnnxWriter;
import dev.llmlb.testkit.models.TinyLlamaConfig;
import dev.llmlb.testkit.models.TinyLlamaReference;
import dev.llmlb.testkit.models.TinyLlamaWeights;
import dev.llmlb.testkit.models.TinyVocabulary;
import dev.llmlb.testkit.models.Vectors;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A decoder exported to ONNX embeds as llama.cpp does: the last token's final hidden state, normalised, read through
 * the output {@link HiddenStateOutput} adds to the graph; the same vector as the reference and as llama.cpp for the
 * same weights, whether the weights are inside the graph or beside it, inputs batched or fed in chunks.
 */
class OnnxDecoderEmbeddingTest {

    static final List<String> TEXTS = List.of("Hello world", "Once upon a time", "a", "The quick brown fox jumps",
            "über naïve ✓");

    @TempDir
    static Path dir;
    static TinyLlamaWeights weights;
    static InferenceEngine engine;

    @BeforeAll
    static void start() {
        weights = TinyLlamaWeights.generate(TinyLlamaConfig.tiny());
        engine = new OnnxEngineFactory().create(TestRepos.context(dir, Map.of()));
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    /** BOS, then the text's tokens: what the tokenizer gives a text input. */
    static List<Integer> tokens(String text) {
        List<Integer> ids = new ArrayList<>();
        ids.add(TinyVocabulary.BOS);
        ids.addAll(TinyVocabulary.get().encode(text));
        return ids;
    }

    static void assertMatchesReference(EmbeddingResult result) {
        assertTrue(result.normalized());
        for (int i = 0; i < TEXTS.size(); i++) {
            float[] expected = TinyLlamaReference.embedding(weights, tokens(TEXTS.get(i)));
            float[] actual = result.embeddings().get(i).vector();
            assertTrue(Vectors.maxDifference(expected, actual) < 1e-4, TEXTS.get(i) + " differs by "
                    + Vectors.maxDifference(expected, actual));
        }
    }

    @Test
    void weightsBesideTheGraphOrInsideIt() {
        for (boolean external : new boolean[] {true, false}) {
            Path repo = new OnnxWriter(weights).externalData(external).writeRepo(dir.resolve("tiny-" + external))
                    .getParent().getParent();
            try (LoadedModel model = engine.load(TestRepos.local(repo), LoadOptions.cpu(2, 0))) {
                assertEquals(Set.of(ModelInfo.Capability.GENERATE, ModelInfo.Capability.EMBED),
                        model.info().capabilities());
                EmbeddingResult result = model.embed(EmbeddingRequest.ofTexts(TEXTS));
                assertMatchesReference(result);
                assertEquals(TEXTS.stream().mapToInt(t -> tokens(t).size()).sum(), result.promptTokens());
            }
        }
    }

    @Test
    void inputsLongerThanAPrefillChunkRunThroughTheCache() {
        Path repo = new OnnxWriter(weights).externalData(true).writeRepo(dir.resolve("chunked")).getParent()
                .getParent();
        try (InferenceEngine chunked = new OnnxEngineFactory().create(TestRepos.context(dir,
                Map.of(OnnxOptions.PREFILL_CHUNK, "3")));
             LoadedModel model = chunked.load(TestRepos.local(repo), LoadOptions.cpu(2, 0))) {
            assertMatchesReference(model.embed(EmbeddingRequest.ofTexts(TEXTS)));
        }
    }

    @Test
    void tokenInputsAreFedAsGiven() {
        Path repo = new OnnxWriter(weights).writeRepo(dir.resolve("tokens")).getParent().getParent();
        try (LoadedModel model = engine.load(TestRepos.local(repo), LoadOptions.cpu(2, 0))) {
            int[] ids = tokens("Hello world").stream().mapToInt(Integer::intValue).toArray();
            EmbeddingResult result = model.embed(new EmbeddingRequest(List.of(EmbeddingInput.Tokens.of(ids),
                    new EmbeddingInput.Text("Hello world"))));
            assertEquals(result.embeddings().get(0), result.embeddings().get(1));
        }
    }

    @Test
    void theSameVectorAsLlamaCppForTheSameWeights() throws Exception {
        Path repo = new OnnxWriter(weights).externalData(true).writeRepo(dir.resolve("vs-gguf")).getParent()
                .getParent();
        Path gguf = new GgufWriter(weights).write(dir.resolve("tiny.gguf"));
        LocalModel local = new LocalModel("tiny-gguf", dir, ModelFormats.GGUF, List.of("tiny.gguf"),
                List.of(Files.size(gguf)), Map.of(ModelFormats.ENTRY_FILE, "tiny.gguf"));
        try (InferenceEngine llamaEngine = new LlamaCppEngineFactory().create(TestRepos.context(dir, Map.of()));
             LoadedModel llama = llamaEngine.load(local, LoadOptions.cpu(2, 0));
             LoadedModel onnx = engine.load(TestRepos.local(repo), LoadOptions.cpu(2, 0))) {
            EmbeddingResult fromLlama = llama.embed(EmbeddingRequest.ofTexts(TEXTS));
            EmbeddingResult fromOnnx = onnx.embed(EmbeddingRequest.ofTexts(TEXTS));
            for (int i = 0; i < TEXTS.size(); i++) {
                double cosine = Vectors.cosine(fromLlama.embeddings().get(i).vector(),
                        fromOnnx.embeddings().get(i).vector());
                assertTrue(cosine > 0.9999, TEXTS.get(i) + ": cosine " + cosine);
            }
        }
    }
}
