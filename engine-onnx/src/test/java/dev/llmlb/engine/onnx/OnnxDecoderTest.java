package dev.llmlb.engine.onnx;

import ai.onnxruntime.OnnxJavaType;
import dev.llmlb.api.engine.EngineException;
import dev.llmlb.testkit.models.OnnxWriter;
import dev.llmlb.testkit.models.TinyLlamaConfig;
import dev.llmlb.testkit.models.TinyLlamaReference;
import dev.llmlb.testkit.models.TinyLlamaWeights;
import dev.llmlb.testkit.models.TinyVocabulary;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OnnxDecoderTest {

    /** Largest difference allowed, relative to the largest logit (at least 1): F32 graph vs F64 accumulators. */
    static final double TOLERANCE = 1e-3;

    @TempDir
    static Path dir;
    static TinyLlamaWeights weights;
    static List<Integer> prompt;

    @BeforeAll
    static void generate() {
        weights = TinyLlamaWeights.generate(TinyLlamaConfig.tiny());
        prompt = new ArrayList<>();
        prompt.add(TinyVocabulary.BOS);
        prompt.addAll(TinyVocabulary.get().encode("The quick brown fox"));
    }

    static Path write(String name, OnnxWriter writer) {
        return writer.writeRepo(dir.resolve(name));
    }

    static Path standardModel() {
        Path model = dir.resolve("standard/onnx/model.onnx");
        return Files.exists(model) ? model : write("standard", new OnnxWriter(weights));
    }

    static int[] ints(List<Integer> tokens) {
        return tokens.stream().mapToInt(Integer::intValue).toArray();
    }

    static void assertClose(float[] expected, float[] actual, String what) {
        assertClose(expected, actual, what, TOLERANCE);
    }

    static void assertClose(float[] expected, float[] actual, String what, double tolerance) {
        assertEquals(expected.length, actual.length, what + ": vocabulary size");
        double scale = 1;
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(worst <= tolerance * scale, what + ": logits differ by " + worst + " (largest logit " + scale + ")");
    }

    /**
     * Runs the reference and the decoder side by side for {@code steps} greedy steps, each fed its own choice;
     * checks the logits at every step and returns the decoder's tokens.
     */
    static List<Integer> greedyAgainstReference(TinyLlamaWeights w, OnnxDecoder decoder, int steps) {
        return greedyAgainstReference(w, decoder, steps, TOLERANCE);
    }

    static List<Integer> greedyAgainstReference(TinyLlamaWeights w, OnnxDecoder decoder, int steps,
                                                double tolerance) {
        TinyLlamaReference reference = new TinyLlamaReference(w);
        List<Integer> expectedTokens = new ArrayList<>();
        List<Integer> actualTokens = new ArrayList<>();
        try (DecoderSequence sequence = decoder.newSequence()) {
            float[] expected = reference.prefill(prompt);
            float[] actual = sequence.step(ints(prompt));
            for (int i = 0; i < steps; i++) {
                assertClose(expected, actual, "step " + i, tolerance);
                int e = TinyLlamaReference.argmax(expected);
                int a = TinyLlamaReference.argmax(actual);
                expectedTokens.add(e);
                actualTokens.add(a);
                expected = reference.step(e);
                actual = sequence.step(a);
            }
            assertEquals(prompt.size() + steps, sequence.length());
        }
        assertEquals(expectedTokens, actualTokens);
        return actualTokens;
    }

    @ParameterizedTest(name = "external data: {0}")
    @ValueSource(booleans = {false, true})
    void greedyTokensAndLogitsMatchTheReferenceFor32Steps(boolean external) throws Exception {
        Path model = write(external ? "external" : "embedded", new OnnxWriter(weights).externalData(external));
        Path data = model.resolveSibling("model.onnx_data");
        long weightBytes = 4 * weights.parameterCount();
        if (external) {
            assertTrue(Files.size(data) >= weightBytes, "the weights are in model.onnx_data");
            assertTrue(Files.size(model) < weightBytes / 10, "model.onnx holds only the graph");
        } else {
            assertFalse(Files.exists(data));
            assertTrue(Files.size(model) >= weightBytes);
        }
        try (OnnxDecoder decoder = OnnxDecoder.open(model, OnnxOptions.cpu())) {
            List<Integer> tokens = greedyAgainstReference(weights, decoder, 32);
            assertEquals(new TinyLlamaReference(weights).greedy(prompt, 32), tokens.subList(0,
                    tokens.contains(TinyVocabulary.EOS) ? tokens.indexOf(TinyVocabulary.EOS) + 1 : tokens.size()));
            assertTrue(tokens.stream().distinct().count() > 2, "a real continuation, not one token: " + tokens);
        }
    }

    static Stream<Arguments> variants() {
        return Stream.of(
                Arguments.of("tied embeddings", TinyLlamaConfig.tiny().withTiedEmbeddings(true)),
                Arguments.of("Qwen2 (q/k/v biases)", TinyLlamaConfig.tinyQwen2()),
                Arguments.of("Llama 3 rope scaling", TinyLlamaConfig.tinyLlama3()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void otherLlamaFamilyShapesMatchTheReference(String name, TinyLlamaConfig config) {
        TinyLlamaWeights variant = TinyLlamaWeights.generate(config);
        Path model = write(name.replaceAll("[^a-z0-9]", ""), new OnnxWriter(variant).externalData(true));
        try (OnnxDecoder decoder = OnnxDecoder.open(model, OnnxOptions.cpu())) {
            greedyAgainstReference(variant, decoder, 16);
        }
    }

    @Test
    void incrementalDecodingWithTheKvCacheEqualsFullRecompute() {
        List<Integer> tokens = new ArrayList<>(prompt);
        tokens.addAll(new TinyLlamaReference(weights).greedy(prompt, 12));
        try (OnnxDecoder decoder = OnnxDecoder.open(standardModel(), OnnxOptions.cpu());
             DecoderSequence incremental = decoder.newSequence();
             DecoderSequence full = decoder.newSequence()) {
            List<float[]> stepped = new ArrayList<>();
            stepped.add(incremental.step(ints(tokens.subList(0, prompt.size()))));
            for (int i = prompt.size(); i < tokens.size(); i++) {
                stepped.add(incremental.step(tokens.get(i)));
            }
            float[][] recomputed = full.stepAllPositions(ints(tokens));
            assertEquals(tokens.size(), recomputed.length);
            for (int i = 0; i < stepped.size(); i++) {
                int position = prompt.size() - 1 + i;
                assertClose(recomputed[position], stepped.get(i), "position " + position);
            }
            assertEquals(tokens.size(), incremental.length());
            assertEquals(tokens.size(), full.length());
        }
    }

    @Test
    void aPromptFedInChunksGivesTheSameLogitsAsOnePass() {
        int[] tokens = ints(prompt);
        try (OnnxDecoder whole = OnnxDecoder.open(standardModel(), OnnxOptions.cpu());
             OnnxDecoder chunked = OnnxDecoder.open(standardModel(),
                     OnnxOptions.cpu().withPrefillChunk(3).withSpin(false).withThreads(1));
             DecoderSequence a = whole.newSequence();
             DecoderSequence b = chunked.newSequence()) {
            assertClose(a.step(tokens), b.step(tokens), "chunked prefill");
            assertEquals(tokens.length, b.length());
        }
    }

    @Test
    void aGraphWithoutPositionIdsAndWithUseCacheBranchIsFedWhatItTakes() {
        Path model = write("merged", new OnnxWriter(weights).signature(OnnxWriter.Signature.standard()
                .withPositionIds(false).withUseCacheBranch(true)));
        try (OnnxDecoder decoder = OnnxDecoder.open(model, OnnxOptions.cpu())) {
            assertFalse(decoder.signature().positionIds());
            assertTrue(decoder.signature().useCacheBranch());
            greedyAgainstReference(weights, decoder, 16);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void aGroupQueryAttentionGraphMatchesTheReference(String name, TinyLlamaConfig config) {
        TinyLlamaWeights variant = TinyLlamaWeights.generate(config);
        Path model = write("gqa-" + name.replaceAll("[^a-z0-9]", ""), new OnnxWriter(variant)
                .signature(OnnxWriter.Signature.onnxRuntimeGenAi()));
        try (OnnxDecoder decoder = OnnxDecoder.open(model, OnnxOptions.cpu().withPrefillChunk(5))) {
            assertFalse(decoder.signature().positionIds());
            greedyAgainstReference(variant, decoder, 24);
        }
    }

    @Test
    void aHalfPrecisionKvCacheIsStartedAndFedBackInFloat16() {
        Path model = write("fp16-cache", new OnnxWriter(weights).signature(OnnxWriter.Signature.standard()
                .withFloat16Cache(true)));
        try (OnnxDecoder decoder = OnnxDecoder.open(model, OnnxOptions.cpu())) {
            assertEquals(OnnxJavaType.FLOAT16, decoder.signature().kvType());
            // float16 keeps 11 significant bits of each cached key and value.
            greedyAgainstReference(weights, decoder, 16, 1e-2);
        }
    }

    @Test
    void aGraphWithoutAKvCacheFailsNamingWhatIsMissing() {
        Path model = write("no-past", new OnnxWriter(weights).signature(OnnxWriter.Signature.standard()
                .withPastKeyValues(false)));
        EngineException e = assertThrows(EngineException.class, () -> OnnxDecoder.open(model, OnnxOptions.cpu()));
        assertTrue(e.getMessage().startsWith("onnx/model.onnx does not have the decoder signature"), e.getMessage());
        assertTrue(e.getMessage().contains("missing inputs past_key_values.0.key, past_key_values.0.value, "
                + "past_key_values.1.key, past_key_values.1.value"), e.getMessage());
        assertTrue(e.getMessage().contains("missing outputs present.0.key"), e.getMessage());
        assertTrue(e.getMessage().contains("text-generation-with-past"), e.getMessage());
    }

    @Test
    void aConfigThatDisagreesWithTheGraphFailsNamingTheMismatch() {
        Path model = standardModel();
        int vocab = weights.vocabSize();
        EngineException heads = assertThrows(EngineException.class,
                () -> OnnxDecoder.open(model, new DecoderConfig(2, 4, 4, 16, vocab, 512), OnnxOptions.cpu()));
        assertTrue(heads.getMessage().contains("past_key_values.0.key has 2 heads of 16 but config.json says "
                + "num_key_value_heads=4, head_dim=16"), heads.getMessage());
        EngineException more = assertThrows(EngineException.class,
                () -> OnnxDecoder.open(model, new DecoderConfig(3, 4, 2, 16, vocab, 512), OnnxOptions.cpu()));
        assertTrue(more.getMessage().contains("missing inputs past_key_values.2.key, past_key_values.2.value"),
                more.getMessage());
        EngineException fewer = assertThrows(EngineException.class,
                () -> OnnxDecoder.open(model, new DecoderConfig(1, 4, 2, 16, vocab, 512), OnnxOptions.cpu()));
        assertTrue(fewer.getMessage().contains("KV cache for 2 layers but config.json says num_hidden_layers=1"),
                fewer.getMessage());
    }

    @Test
    void theDimensionsComeFromTheRepositorysConfigJson() {
        DecoderConfig config = DecoderConfig.read(standardModel().getParent().getParent().resolve("config.json"));
        TinyLlamaConfig tiny = TinyLlamaConfig.tiny();
        assertEquals(new DecoderConfig(tiny.layers(), tiny.heads(), tiny.kvHeads(), tiny.headDim(),
                weights.vocabSize(), tiny.contextLength()), config);
    }

    @Test
    void aMissingExternalDataFileFailsAtLoad() throws Exception {
        Path model = write("lost-data", new OnnxWriter(weights).externalData(true));
        Files.delete(model.resolveSibling("model.onnx_data"));
        EngineException e = assertThrows(EngineException.class, () -> OnnxDecoder.open(model, OnnxOptions.cpu()));
        assertTrue(e.getMessage().startsWith("ONNX Runtime cannot load onnx/model.onnx"), e.getMessage());
        assertTrue(e.getMessage().contains("model.onnx_data"), e.getMessage());
    }

    @Test
    void aSequenceRefusesToGrowPastTheContext() {
        try (OnnxDecoder decoder = OnnxDecoder.open(standardModel(), OnnxOptions.cpu());
             DecoderSequence sequence = decoder.newSequence()) {
            EngineException e = assertThrows(EngineException.class, () -> sequence.step(new int[513]));
            assertEquals("the sequence would hold 513 tokens, more than the model's context of 512", e.getMessage());
            assertEquals(0, sequence.length());
        }
    }

    @Test
    void closingTheDecoderReleasesItsSequences() {
        OnnxDecoder decoder = OnnxDecoder.open(standardModel(), OnnxOptions.cpu());
        DecoderSequence used = decoder.newSequence();
        used.step(ints(prompt));
        DecoderSequence unused = decoder.newSequence();
        DecoderSequence done = decoder.newSequence();
        done.step(TinyVocabulary.BOS);
        done.close();
        assertEquals(2, decoder.openSequences());
        decoder.close();
        assertEquals(0, decoder.openSequences());
        assertThrows(IllegalStateException.class, () -> used.step(1));
        assertThrows(IllegalStateException.class, () -> unused.step(1));
        assertThrows(IllegalStateException.class, decoder::newSequence);
        decoder.close();
    }
}
