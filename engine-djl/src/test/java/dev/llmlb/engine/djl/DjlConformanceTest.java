package dev.llmlb.engine.djl;

import dev.llmlb.api.engine.InferenceEngine;
import dev.llmlb.api.engine.LoadOptions;
import dev.llmlb.api.engine.Prompt;
import dev.llmlb.testkit.models.SafetensorsWriter;
import dev.llmlb.testkit.models.TensorType;
import dev.llmlb.testkit.models.TinyLlamaConfig;
import dev.llmlb.testkit.models.TinyLlamaReference;
import dev.llmlb.testkit.models.TinyLlamaWeights;
import dev.llmlb.testkit.models.TinyVocabulary;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What proves the decoder right: the same seeded weights as the GGUF that engine-llamacpp's test runs, written as a
 * safetensors repository, tokenize like the GGUF vocabulary and generate the reference forward pass's greedy tokens
 * with logits within a small tolerance — for Llama, Qwen2 (q/k/v biases), Llama 3 rope scaling, tied embeddings,
 * sharded files, and BF16/F16 storage (compared with the reference on the same rounded weights).
 */
class DjlConformanceTest {

    private static final String PROMPT = "The quick brown fox";
    /**
     * F32 compute against the reference's double accumulators: measured differences are about 1e-6 for logits of
     * magnitude ~5; a wrong rotary layout, bias or scaling moves them by 1e-1 and more.
     */
    private static final float TOLERANCE = 1e-4f;

    @TempDir
    static Path dir;
    private static InferenceEngine engine;

    @BeforeAll
    static void engine() {
        engine = TestModels.engine(dir);
    }

    static Stream<Arguments> variants() {
        return Stream.of(
                Arguments.of("llama-f32", TinyLlamaConfig.tiny(), TensorType.F32, 1),
                Arguments.of("qwen2-bias-f32", TinyLlamaConfig.tinyQwen2(), TensorType.F32, 1),
                Arguments.of("llama3-rope-f32", TinyLlamaConfig.tinyLlama3(), TensorType.F32, 1),
                Arguments.of("llama-tied-sharded-f32", TinyLlamaConfig.tiny().withTiedEmbeddings(true).withSeed(5),
                        TensorType.F32, 3),
                Arguments.of("llama-bf16", TinyLlamaConfig.tiny(), TensorType.BF16, 1),
                Arguments.of("qwen2-bf16", TinyLlamaConfig.tinyQwen2(), TensorType.BF16, 2),
                Arguments.of("llama3-f16", TinyLlamaConfig.tinyLlama3(), TensorType.F16, 1));
    }

    private static int[] bosPlus(String text) {
        List<Integer> ids = new ArrayList<>(List.of(TinyVocabulary.BOS));
        ids.addAll(TinyVocabulary.get().encode(text));
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void tokensGreedyOutputAndLogitsMatchTheReference(String name, TinyLlamaConfig config, TensorType type,
                                                      int shards) {
        TinyLlamaWeights weights = TinyLlamaWeights.generate(config);
        Path repo = new SafetensorsWriter(weights).type(type).shards(shards).writeRepo(dir.resolve(name));
        TinyLlamaWeights stored = weights.roundedTo(type);
        try (DjlModel model = (DjlModel) engine.load(TestModels.local(repo, config.architecture().className()),
                LoadOptions.cpu(2, 0))) {
            for (String text : List.of(PROMPT, "héllo 日本 🙂", "tabs\tand\nnewlines", "the end is near")) {
                assertArrayEquals(bosPlus(text), model.promptTokens(new Prompt.Text(text)), text);
            }
            int[] prompt = bosPlus(PROMPT);
            List<Integer> promptList = Arrays.stream(prompt).boxed().toList();
            List<Integer> expected = new TinyLlamaReference(stored).greedy(promptList, 32);
            assertEquals(32, expected.size(), "the reference runs 32 steps without end of sequence");
            String text = String.join("", DjlEngineTest.generate(model, new Prompt.Text(PROMPT), 32,
                    dev.llmlb.api.engine.SamplingParams.greedy()));
            assertEquals(TinyVocabulary.get().decode(expected), text, "reference tokens " + expected);
            // Logits after the prompt (fed at once) and after each of the 32 tokens (fed one by one).
            int[] all = new int[prompt.length + expected.size()];
            System.arraycopy(prompt, 0, all, 0, prompt.length);
            for (int i = 0; i < expected.size(); i++) {
                all[prompt.length + i] = expected.get(i);
            }
            float[][] actual = model.logits(all, prompt.length);
            TinyLlamaReference reference = new TinyLlamaReference(stored);
            float worst = 0;
            for (int s = 0; s < actual.length; s++) {
                float[] want = s == 0 ? reference.prefill(promptList) : reference.step(all[prompt.length + s - 1]);
                assertEquals(want.length, actual[s].length);
                for (int i = 0; i < want.length; i++) {
                    worst = Math.max(worst, Math.abs(want[i] - actual[s][i]));
                }
            }
            System.out.printf("%s: largest logit difference %.2e over %d steps%n", name, worst, actual.length);
            assertTrue(worst < TOLERANCE, name + ": largest logit difference " + worst);
        }
    }
}
