package dev.llmlb.engine.djl;

import dev.llmlb.api.engine.GenerationRequest;
import dev.llmlb.api.engine.GenerationResult;
import dev.llmlb.api.engine.InferenceEngine;
import dev.llmlb.api.engine.LoadOptions;
import dev.llmlb.api.engine.Prompt;
import dev.llmlb.api.engine.SamplingParams;
import dev.llmlb.testkit.models.SafetensorsWriter;
import dev.llmlb.testkit.models.TinyLlamaConfig;
import dev.llmlb.testkit.models.TinyLlamaWeights;
import dev.llmlb.testkit.models.TinyVocabulary;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Several sequences in one pass get exactly what each gets alone: batching never changes text. */
@Timeout(120)
class DjlBatchingTest {

    private static final String[] PROMPTS = {
        "Once upon a time",
        "The quick brown fox jumps over the lazy dog, and then",
        "In a hole in the ground there lived",
        "Numbers: one two three four five six seven eight nine ten eleven twelve",
    };

    @TempDir
    static Path dir;
    private static InferenceEngine engine;
    private static DjlModel model;

    @BeforeAll
    static void load() {
        engine = TestModels.engine(dir);
        // Qwen2's q/k/v biases go through the batched path too.
        Path repo = new SafetensorsWriter(TinyLlamaWeights.generate(TinyLlamaConfig.tinyQwen2()))
                .writeRepo(dir.resolve("tiny"));
        model = (DjlModel) engine.load(TestModels.local(repo, "Qwen2ForCausalLM"),
                LoadOptions.cpu(2, 0).withParallelSequences(4));
    }

    @AfterAll
    static void unload() {
        model.close();
        engine.close();
    }

    @Test
    void theModelRunsAsManySequencesAsAskedAndCountsTheirCaches() {
        assertEquals(4, model.info().parallelSequences());
        LoadOptions one = LoadOptions.cpu(2, 0);
        var local = TestModels.local(dir.resolve("tiny"), "Qwen2ForCausalLM");
        long single = engine.estimateMemoryBytes(local, one);
        long four = engine.estimateMemoryBytes(local, one.withParallelSequences(4));
        assertTrue(four > single, four + " <= " + single);
        assertEquals(four, model.info().memoryBytes());
    }

    private static int[] tokens(String text) {
        List<Integer> ids = new ArrayList<>(List.of(TinyVocabulary.BOS));
        ids.addAll(TinyVocabulary.get().encode(text));
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Logits of each step of one sequence fed {@code continuation} after its prompt, alone. */
    private static float[][] alone(int[] prompt, int[] continuation) {
        return model.withDecoder(decoder -> {
            LlamaDecoder.Sequence sequence = decoder.open();
            try {
                float[][] out = new float[continuation.length + 1][];
                out[0] = decoder.prefill(sequence, prompt);
                for (int i = 0; i < continuation.length; i++) {
                    out[i + 1] = decoder.decode(List.of(sequence), new int[] {continuation[i]})[0];
                }
                return out;
            } finally {
                decoder.release(sequence);
            }
        });
    }

    @Test
    void sequencesThatJoinAndLeaveABatchGetTheLogitsTheyGetAloneBitForBit() {
        int steps = 24;
        int[][] prompts = Arrays.stream(PROMPTS).map(DjlBatchingTest::tokens).toArray(int[][]::new);
        int[][] fed = new int[prompts.length][steps];
        float[][][] expected = new float[prompts.length][][];
        for (int s = 0; s < prompts.length; s++) {
            for (int i = 0; i < steps; i++) {
                fed[s][i] = (7 * s + 13 * i + 3) % TinyVocabulary.get().size();
            }
            expected[s] = alone(prompts[s], fed[s]);
        }
        // Sequence 0 and 1 from the start, 2 joins at step 5, 3 at step 9; 1 leaves after step 15.
        int[] joins = {0, 0, 5, 9};
        int[] leaves = {steps, 16, steps, steps};
        float[][][] actual = new float[prompts.length][steps + 1][];
        model.withDecoder(decoder -> {
            LlamaDecoder.Sequence[] sequences = new LlamaDecoder.Sequence[prompts.length];
            int[] next = new int[prompts.length];
            for (int step = 0; step <= steps; step++) {
                List<LlamaDecoder.Sequence> batch = new ArrayList<>();
                List<Integer> members = new ArrayList<>();
                for (int s = 0; s < prompts.length; s++) {
                    if (step == joins[s]) {
                        sequences[s] = decoder.open();
                        actual[s][0] = decoder.prefill(sequences[s], prompts[s]);
                    } else if (sequences[s] != null && next[s] < leaves[s]) {
                        batch.add(sequences[s]);
                        members.add(s);
                    } else if (sequences[s] != null && next[s] == leaves[s]) {
                        decoder.release(sequences[s]);
                        sequences[s] = null;
                    }
                }
                if (batch.isEmpty()) {
                    continue;
                }
                int[] input = members.stream().mapToInt(s -> fed[s][next[s]]).toArray();
                float[][] logits = decoder.decode(batch, input);
                for (int i = 0; i < members.size(); i++) {
                    int s = members.get(i);
                    actual[s][++next[s]] = logits[i];
                }
            }
            for (LlamaDecoder.Sequence sequence : sequences) {
                if (sequence != null) {
                    decoder.release(sequence);
                }
            }
            return null;
        });
        for (int s = 0; s < prompts.length; s++) {
            int produced = Math.min(leaves[s], steps - joins[s]);
            for (int i = 0; i <= produced; i++) {
                assertArrayEquals(expected[s][i], actual[s][i], "sequence " + s + ", step " + i);
            }
        }
    }

    private static SamplingParams sampling(int i) {
        return i % 2 == 0 ? SamplingParams.greedy()
                : new SamplingParams(0.9, 0.95, OptionalLong.of(1000 + i), 0, 0.2);
    }

    private record Outcome(List<String> pieces, GenerationResult result) {
    }

    private static Outcome generate(int i, IntPredicate goOn) {
        List<String> pieces = new ArrayList<>();
        GenerationResult result = model.generate(new GenerationRequest(new Prompt.Text(PROMPTS[i]), 40,
                sampling(i)), piece -> pieces.add(piece) && goOn.test(pieces.size()));
        return new Outcome(pieces, result);
    }

    private static List<Outcome> concurrently(IntPredicate[] goOn) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(PROMPTS.length);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Outcome>> futures = new ArrayList<>();
            for (int i = 0; i < PROMPTS.length; i++) {
                int index = i;
                futures.add(pool.submit(() -> {
                    start.await();
                    return generate(index, goOn[index]);
                }));
            }
            start.countDown();
            List<Outcome> out = new ArrayList<>();
            for (Future<Outcome> f : futures) {
                out.add(f.get(60, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void fourConcurrentGenerationsGiveExactlyTheTextEachGivesAlone() throws Exception {
        List<Outcome> alone = new ArrayList<>();
        for (int i = 0; i < PROMPTS.length; i++) {
            alone.add(generate(i, n -> true));
        }
        long batchedBefore = model.batchStats().sequenceSteps() - model.batchStats().steps();
        IntPredicate always = n -> true;
        List<Outcome> together = concurrently(new IntPredicate[] {always, always, always, always});
        assertEquals(alone, together);
        assertTrue(model.batchStats().largestBatch() > 1, model.batchStats().toString());
        assertTrue(model.batchStats().sequenceSteps() - model.batchStats().steps() > batchedBefore,
                "some passes ran several sequences: " + model.batchStats());
    }

    @Test
    void closingAModelWhileItGeneratesWaitsForThePassAndFailsTheCallers() throws Exception {
        DjlModel other = (DjlModel) engine.load(TestModels.local(dir.resolve("tiny"), "Qwen2ForCausalLM"),
                LoadOptions.cpu(2, 0).withParallelSequences(4));
        CountDownLatch generating = new CountDownLatch(PROMPTS.length);
        ExecutorService pool = Executors.newFixedThreadPool(PROMPTS.length);
        try {
            List<Future<GenerationResult>> callers = new ArrayList<>();
            for (int i = 0; i < PROMPTS.length; i++) {
                int index = i;
                callers.add(pool.submit(() -> other.generate(new GenerationRequest(new Prompt.Text(PROMPTS[index]),
                        10_000, SamplingParams.greedy()), piece -> {
                            generating.countDown();
                            return true;
                        })));
            }
            assertTrue(generating.await(60, TimeUnit.SECONDS));
            other.close();
            for (Future<GenerationResult> caller : callers) {
                try {
                    GenerationResult result = caller.get(30, TimeUnit.SECONDS);
                    assertTrue(result.finishReason() != GenerationResult.FinishReason.STOPPED_BY_SINK,
                            result.toString());
                } catch (java.util.concurrent.ExecutionException e) {
                    assertTrue(e.getCause() instanceof dev.llmlb.api.engine.EngineException, String.valueOf(e));
                }
            }
        } finally {
            pool.shutdownNow();
            other.close();
        }
    }

    @Test
    void aGenerationStoppedMidwayLeavesTheOthersUnchanged() throws Exception {
        List<Outcome> alone = new ArrayList<>();
        for (int i = 0; i < PROMPTS.length; i++) {
            alone.add(generate(i, n -> true));
        }
        assertTrue(alone.get(1).result().completionTokens() > 5, "the generation to stop runs past 5 tokens alone");
        IntPredicate always = n -> true;
        List<Outcome> together = concurrently(new IntPredicate[] {always, n -> n < 5, always, always});
        assertEquals(new GenerationResult(GenerationResult.FinishReason.STOPPED_BY_SINK,
                alone.get(1).result().promptTokens(), 5), together.get(1).result());
        assertEquals(alone.get(1).pieces().subList(0, 5), together.get(1).pieces());
        for (int i : new int[] {0, 2, 3}) {
            assertEquals(alone.get(i), together.get(i), "generation " + i);
        }
    }
}
