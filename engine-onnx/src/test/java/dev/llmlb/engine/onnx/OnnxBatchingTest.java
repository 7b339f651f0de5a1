package dev.llmlb.engine.onnx;

import dev.llmlb.api.engine.GenerationRequest;
import dev.llmlb.api.engine.GenerationResult;
import dev.llmlb.api.engine.InferenceEngine;
import dev.llmlb.api.engine.LoadOptions;
import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.Prompt;
import dev.llmlb.api.engine.SamplingParams;
import dev.llmlb.testkit.models.OnnxWriter;
import dev.llmlb.testkit.models.TinyLlamaConfig;
import dev.llmlb.testkit.models.TinyLlamaWeights;
import dev.llmlb.testkit.models.TinyVocabulary;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
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

/**
 * Several sequences in one pass get exactly what each gets alone, on both kinds of graph: the Optimum-style graph
 * (batches sequences of equal length only) and the GroupQueryAttention graph (batches any).
 */
@Timeout(120)
class OnnxBatchingTest {

    private static final String[] PROMPTS = {
        "Once upon a time",
        "The quick brown fox jumps over the lazy dog, and then",
        "In a hole in the ground there lived",
        "Numbers: one two three four five six seven eight nine ten eleven twelve",
    };

    @TempDir
    static Path dir;
    static InferenceEngine engine;
    static Map<String, LoadedModel> models = new java.util.HashMap<>();

    @BeforeAll
    static void load() {
        engine = new OnnxEngineFactory().create(TestRepos.context(dir, Map.of()));
        TinyLlamaWeights weights = TinyLlamaWeights.generate(TinyLlamaConfig.tinyQwen2());
        new OnnxWriter(weights).externalData(true).writeRepo(dir.resolve("standard"));
        new OnnxWriter(weights).signature(OnnxWriter.Signature.onnxRuntimeGenAi()).writeRepo(dir.resolve("genai"));
        new OnnxWriter(weights).signature(OnnxWriter.Signature.standard().withFloat16Cache(true))
                .writeRepo(dir.resolve("fp16-cache"));
        for (String graph : List.of("standard", "genai", "fp16-cache")) {
            models.put(graph, engine.load(TestRepos.local(dir.resolve(graph)),
                    LoadOptions.cpu(2, 0).withParallelSequences(4)));
        }
    }

    @AfterAll
    static void unload() {
        models.values().forEach(LoadedModel::close);
        engine.close();
    }

    private static OnnxDecoder decoder(String graph) {
        return ((OnnxModel) models.get(graph)).decoder();
    }

    private static int[] tokens(String text) {
        List<Integer> ids = new ArrayList<>(List.of(TinyVocabulary.BOS));
        ids.addAll(TinyVocabulary.get().encode(text));
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    @ParameterizedTest
    @ValueSource(strings = {"standard", "genai"})
    void theGraphDecidesWhichSequencesShareAPassAndEverySequencesCacheIsCounted(String graph) {
        assertEquals(graph.equals("genai") ? OnnxDecoder.Batching.ANY_LENGTHS : OnnxDecoder.Batching.EQUAL_LENGTHS,
                decoder(graph).batching());
        assertEquals(4, models.get(graph).info().parallelSequences());
        var local = TestRepos.local(dir.resolve(graph));
        long one = engine.estimateMemoryBytes(local, LoadOptions.cpu(2, 0));
        long four = engine.estimateMemoryBytes(local, LoadOptions.cpu(2, 0).withParallelSequences(4));
        assertEquals(four - local.totalBytes(), 4 * (one - local.totalBytes()));
        assertEquals(four, models.get(graph).info().memoryBytes());
    }

    /** Logits of each step of one sequence fed {@code continuation} after its prompt, alone. */
    private static float[][] alone(OnnxDecoder decoder, int[] prompt, int[] continuation) {
        try (DecoderSequence sequence = decoder.newSequence()) {
            float[][] out = new float[continuation.length + 1][];
            out[0] = sequence.step(prompt);
            for (int i = 0; i < continuation.length; i++) {
                out[i + 1] = sequence.step(continuation[i]);
            }
            return out;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"standard", "genai", "fp16-cache"})
    void sequencesThatJoinAndLeaveABatchGetTheLogitsTheyGetAloneBitForBit(String graph) {
        OnnxDecoder decoder = decoder(graph);
        int steps = 20;
        // Two prompts of one length, so that the standard graph batches too.
        int[][] prompts = {tokens(PROMPTS[0]), tokens(PROMPTS[1]), tokens(PROMPTS[2]), tokens("Once upon a tide")};
        assertEquals(prompts[0].length, prompts[3].length);
        int[][] fed = new int[prompts.length][steps];
        float[][][] expected = new float[prompts.length][][];
        for (int s = 0; s < prompts.length; s++) {
            for (int i = 0; i < steps; i++) {
                fed[s][i] = (7 * s + 13 * i + 3) % TinyVocabulary.get().size();
            }
            expected[s] = alone(decoder, prompts[s], fed[s]);
        }
        // 0, 1 and 3 from the start, 2 joins at step 4; 1 leaves after 12 steps.
        int[] joins = {0, 0, 4, 0};
        int[] leaves = {steps, 12, steps, steps};
        float[][][] actual = new float[prompts.length][steps + 1][];
        DecoderSequence[] sequences = new DecoderSequence[prompts.length];
        int[] next = new int[prompts.length];
        long passesBefore = decoder.passes();
        int decodeCalls = 0;
        try {
            for (int step = 0; step <= steps; step++) {
                List<DecoderSequence> batch = new ArrayList<>();
                List<Integer> members = new ArrayList<>();
                for (int s = 0; s < prompts.length; s++) {
                    if (step == joins[s]) {
                        sequences[s] = decoder.newSequence();
                        actual[s][0] = sequences[s].step(prompts[s]);
                    } else if (sequences[s] != null && next[s] < leaves[s]) {
                        batch.add(sequences[s]);
                        members.add(s);
                    } else if (sequences[s] != null && next[s] == leaves[s]) {
                        sequences[s].close();
                        sequences[s] = null;
                    }
                }
                if (batch.isEmpty()) {
                    continue;
                }
                decodeCalls++;
                float[][] logits = decoder.decode(batch, members.stream().mapToInt(s -> fed[s][next[s]]).toArray());
                for (int i = 0; i < members.size(); i++) {
                    int s = members.get(i);
                    actual[s][++next[s]] = logits[i];
                }
            }
        } finally {
            Arrays.stream(sequences).filter(java.util.Objects::nonNull).forEach(DecoderSequence::close);
        }
        long passes = decoder.passes() - passesBefore - prompts.length;
        if (graph.equals("genai")) {
            assertEquals(decodeCalls, passes, "one pass per step, whatever the lengths");
        } else {
            assertTrue(passes < 3L * decodeCalls, "the two sequences of equal length shared their passes: "
                    + passes + " passes for " + decodeCalls + " steps");
        }
        for (int s = 0; s < prompts.length; s++) {
            int produced = Math.min(leaves[s], steps - joins[s]);
            for (int i = 0; i <= produced; i++) {
                assertArrayEquals(expected[s][i], actual[s][i], graph + ": sequence " + s + ", step " + i);
            }
        }
        assertEquals(0, decoder.openSequences());
    }

    @ParameterizedTest
    @CsvSource({"standard, 11", "fp16-cache, 11", "genai, 11", "genai, 12", "genai, 13"})
    void anyPatternOfJoiningSkippingAndLeavingKeepsEveryLogitExact(String graph, long seed) {
        OnnxDecoder decoder = decoder(graph);
        java.util.Random random = new java.util.Random(seed);
        int count = 6;
        int steps = 24;
        int[][] prompts = new int[count][];
        int[][] fed = new int[count][steps];
        float[][][] expected = new float[count][][];
        for (int s = 0; s < count; s++) {
            prompts[s] = tokens(PROMPTS[s % PROMPTS.length] + " " + s);
            for (int i = 0; i < steps; i++) {
                fed[s][i] = random.nextInt(TinyVocabulary.get().size());
            }
            expected[s] = alone(decoder, prompts[s], fed[s]);
        }
        DecoderSequence[] sequences = new DecoderSequence[count];
        int[] next = new int[count];
        boolean[] done = new boolean[count];
        float[][][] actual = new float[count][steps + 1][];
        try {
            while (!java.util.stream.IntStream.range(0, count).allMatch(s -> done[s])) {
                List<DecoderSequence> batch = new ArrayList<>();
                List<Integer> members = new ArrayList<>();
                for (int s = 0; s < count; s++) {
                    if (done[s]) {
                        continue;
                    }
                    if (sequences[s] == null) {
                        if (random.nextInt(3) == 0) {
                            sequences[s] = decoder.newSequence();
                            actual[s][0] = sequences[s].step(prompts[s]);
                        }
                    } else if (next[s] == steps || random.nextInt(12) == 0) {
                        sequences[s].close();
                        sequences[s] = null;
                        done[s] = true;
                    } else if (random.nextInt(4) != 0) {
                        batch.add(sequences[s]);
                        members.add(s);
                    }
                }
                if (batch.isEmpty()) {
                    continue;
                }
                float[][] logits = decoder.decode(batch, members.stream().mapToInt(s -> fed[s][next[s]]).toArray());
                for (int i = 0; i < members.size(); i++) {
                    int s = members.get(i);
                    actual[s][++next[s]] = logits[i];
                }
            }
        } finally {
            Arrays.stream(sequences).filter(java.util.Objects::nonNull).forEach(DecoderSequence::close);
        }
        for (int s = 0; s < count; s++) {
            for (int i = 0; i <= next[s] && actual[s][0] != null; i++) {
                assertArrayEquals(expected[s][i], actual[s][i], graph + ": sequence " + s + ", step " + i);
            }
        }
        assertEquals(0, decoder.openSequences());
    }

    private static SamplingParams sampling(int i) {
        return i % 2 == 0 ? SamplingParams.greedy()
                : new SamplingParams(0.9, 0.95, OptionalLong.of(1000 + i), 0, 0.2);
    }

    private record Outcome(List<String> pieces, GenerationResult result) {
    }

    private static Outcome generate(LoadedModel model, int i, IntPredicate goOn) {
        List<String> pieces = new ArrayList<>();
        GenerationResult result = model.generate(new GenerationRequest(new Prompt.Text(PROMPTS[i]), 40,
                sampling(i)), piece -> pieces.add(piece) && goOn.test(pieces.size()));
        return new Outcome(pieces, result);
    }

    private static List<Outcome> concurrently(LoadedModel model, IntPredicate[] goOn) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(PROMPTS.length);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Outcome>> futures = new ArrayList<>();
            for (int i = 0; i < PROMPTS.length; i++) {
                int index = i;
                futures.add(pool.submit(() -> {
                    start.await();
                    return generate(model, index, goOn[index]);
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

    @ParameterizedTest
    @ValueSource(strings = {"standard", "genai"})
    void fourConcurrentGenerationsGiveExactlyTheTextEachGivesAlone(String graph) throws Exception {
        LoadedModel model = models.get(graph);
        List<Outcome> alone = new ArrayList<>();
        for (int i = 0; i < PROMPTS.length; i++) {
            alone.add(generate(model, i, n -> true));
        }
        IntPredicate always = n -> true;
        for (int round = 0; round < 3; round++) {
            assertEquals(alone, concurrently(model, new IntPredicate[] {always, always, always, always}),
                    "round " + round);
        }
        assertTrue(((OnnxModel) model).batchStats().largestBatch() > 1, ((OnnxModel) model).batchStats().toString());
        assertEquals(0, decoder(graph).openSequences());
    }

    @ParameterizedTest
    @ValueSource(strings = {"standard", "genai"})
    void closingAModelWhileItGeneratesWaitsForThePassFailsTheCallersAndFreesEveryCache(String graph)
            throws Exception {
        OnnxModel model = (OnnxModel) engine.load(TestRepos.local(dir.resolve(graph)),
                LoadOptions.cpu(2, 0).withParallelSequences(4));
        CountDownLatch generating = new CountDownLatch(PROMPTS.length);
        ExecutorService pool = Executors.newFixedThreadPool(PROMPTS.length);
        try {
            List<Future<GenerationResult>> callers = new ArrayList<>();
            for (int i = 0; i < PROMPTS.length; i++) {
                int index = i;
                callers.add(pool.submit(() -> model.generate(new GenerationRequest(new Prompt.Text(PROMPTS[index]),
                        10_000, SamplingParams.greedy()), piece -> {
                            generating.countDown();
                            return true;
                        })));
            }
            assertTrue(generating.await(30, TimeUnit.SECONDS));
            model.close();
            assertEquals(0, model.decoder().openSequences());
            for (Future<GenerationResult> caller : callers) {
                try {
                    GenerationResult result = caller.get(30, TimeUnit.SECONDS);
                    assertTrue(result.finishReason() != GenerationResult.FinishReason.STOPPED_BY_SINK, result.toString());
                } catch (java.util.concurrent.ExecutionException e) {
                    assertTrue(e.getCause() instanceof dev.llmlb.api.engine.EngineException, String.valueOf(e));
                }
            }
        } finally {
            pool.shutdownNow();
            model.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"standard", "genai"})
    void aGenerationStoppedMidwayLeavesTheOthersUnchanged(String graph) throws Exception {
        LoadedModel model = models.get(graph);
        List<Outcome> alone = new ArrayList<>();
        for (int i = 0; i < PROMPTS.length; i++) {
            alone.add(generate(model, i, n -> true));
        }
        assertTrue(alone.get(1).result().completionTokens() > 5, "the generation to stop runs past 5 tokens alone");
        IntPredicate always = n -> true;
        List<Outcome> together = concurrently(model, new IntPredicate[] {always, n -> n < 5, always, always});
        assertEquals(new GenerationResult(GenerationResult.FinishReason.STOPPED_BY_SINK,
                alone.get(1).result().promptTokens(), 5), together.get(1).result());
        assertEquals(alone.get(1).pieces().subList(0, 5), together.get(1).pieces());
        for (int i : new int[] {0, 2, 3}) {
            assertEquals(alone.get(i), together.get(i), graph + ": generation " + i);
        }
    }

    /**
     * A constrained sequence (JSON) and free ones share passes: the free ones write exactly what they write alone,
     * and the constrained one writes the JSON it writes alone. A sequence's constraint masks its own logits only.
     */
    @ParameterizedTest
    @ValueSource(strings = {"standard", "genai"})
    void aConstraintInTheBatchChangesOnlyItsOwnSequence(String graph) throws Exception {
        LoadedModel model = models.get(graph);
        dev.llmlb.api.engine.JsonConstraint json = new dev.llmlb.api.engine.JsonConstraint(
                "{\"type\": \"object\", \"properties\": {\"n\": {\"type\": \"integer\"}, \"ok\": "
                        + "{\"type\": \"boolean\"}}, \"required\": [\"n\", \"ok\"]}", "response_format");
        java.util.function.Function<Integer, GenerationRequest> request = i -> new GenerationRequest(
                new Prompt.Text(PROMPTS[i]), 24, SamplingParams.greedy(),
                i == 0 ? java.util.Optional.of(json) : java.util.Optional.empty(), java.util.OptionalInt.empty());
        List<String> alone = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            StringBuilder text = new StringBuilder();
            model.generate(request.apply(i), piece -> text.append(piece) != null);
            alone.add(text.toString());
        }
        long before = ((OnnxModel) model).batchStats().sequenceSteps();
        long stepsBefore = ((OnnxModel) model).batchStats().steps();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<String>> together = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                int index = i;
                together.add(pool.submit(() -> {
                    start.await();
                    StringBuilder text = new StringBuilder();
                    model.generate(request.apply(index), piece -> text.append(piece) != null);
                    return text.toString();
                }));
            }
            start.countDown();
            for (int i = 0; i < 3; i++) {
                assertEquals(alone.get(i), together.get(i).get(60, TimeUnit.SECONDS), "sequence " + i);
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(alone.get(0).startsWith("{\"n\":"), alone.get(0));
        if (graph.equals("genai")) {
            long sequenceSteps = ((OnnxModel) model).batchStats().sequenceSteps() - before;
            long steps = ((OnnxModel) model).batchStats().steps() - stepsBefore;
            assertTrue(sequenceSteps > steps, "the sequences shared passes: " + sequenceSteps + " in " + steps);
        }
    }
}
